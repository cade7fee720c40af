from django.contrib import admin

from agencies.admin import HistoryAdmin

from .models import Course, CourseCategory, TrainingRecord
from .passes import refresh_first_passes


@admin.register(CourseCategory)
class CourseCategoryAdmin(HistoryAdmin):
    list_display = ["code", "name", "name_en", "order"]


@admin.register(Course)
class CourseAdmin(HistoryAdmin):
    list_display = ["code", "name", "category", "start_date", "end_date", "organiser", "agency"]
    list_filter = ["category"]
    search_fields = ["code", "name", "organiser"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["agency"]
    list_select_related = ["category", "agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # First passes are kept per category and completion date, so a course edit can move them.
        refresh_first_passes(staff_ids=obj.records.values_list("staff_id", flat=True))


@admin.register(TrainingRecord)
class TrainingRecordAdmin(HistoryAdmin):
    list_display = ["staff", "course", "result", "completed_on"]
    list_filter = ["result", "course__category"]
    search_fields = ["staff__code", "staff__full_name", "course__code"]
    raw_id_fields = ["staff", "course"]
    list_select_related = ["staff", "course"]

    # Every write to records keeps FirstPass right, the admin's included.
    def save_model(self, request, obj, form, change):
        previous_staff_id = TrainingRecord.objects.filter(pk=obj.pk).values_list("staff_id", flat=True).first()
        super().save_model(request, obj, form, change)
        refresh_first_passes(staff_ids=[obj.staff_id, previous_staff_id] if previous_staff_id else [obj.staff_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_first_passes(staff_ids=[obj.staff_id])

    def delete_queryset(self, request, queryset):
        staff_ids = list(queryset.values_list("staff_id", flat=True))
        super().delete_queryset(request, queryset)
        refresh_first_passes(staff_ids=staff_ids)
