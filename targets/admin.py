from django.contrib import admin

from agencies.admin import HistoryAdmin
from training.passes import register_cutoff

from .models import AggregateReport, Indicator, Programme, Target


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["order", "code", "name", "name_en", "source", "rule"]
    extra = 0
    show_change_link = True


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(HistoryAdmin):
    list_display = ["code", "name", "name_en", "start_date", "is_current"]
    inlines = [IndicatorInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        register_cutoff(obj.start_date)


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    list_display = ["order", "code", "name", "name_en", "source", "rule", "programme"]
    list_display_links = ["code"]
    list_filter = ["programme", "source"]
    filter_horizontal = ["categories"]
    inlines = [TargetInline]


@admin.register(AggregateReport)
class AggregateReportAdmin(HistoryAdmin):
    list_display = ["indicator", "agency", "year", "numerator", "denominator"]
    list_filter = ["indicator", "year"]
    search_fields = ["agency__code", "agency__name"]
    autocomplete_fields = ["agency"]
    list_select_related = ["indicator", "agency"]
