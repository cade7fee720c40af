from django.contrib import admin

from .models import Course, CourseCategory, TrainingRecord


@admin.register(CourseCategory)
class CourseCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "start_date", "end_date", "organiser", "agency"]
    list_filter = ["category"]
    search_fields = ["code", "name", "organiser"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["agency"]
    list_select_related = ["category", "agency"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["staff", "course", "result", "completed_on"]
    list_filter = ["result", "course__category"]
    search_fields = ["staff__code", "staff__full_name", "course__code"]
    raw_id_fields = ["staff", "course"]
    list_select_related = ["staff", "course"]
