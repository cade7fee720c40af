from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect

from agencies.admin import HistoryAdmin
from training.passes import register_cutoff

from .models import AggregateReport, Indicator, Programme, Target
from .services import additivity_conflicts, additivity_message, report_delete, report_save


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


class AggregateReportAdminForm(forms.ModelForm):
    """Shows the additivity rule's refusal on the form; report_save applies it again under the lock."""

    class Meta:
        model = AggregateReport
        fields = ["indicator", "agency", "year", "numerator", "denominator", "note"]

    def clean(self):
        data = super().clean()
        indicator = data.get("indicator") or getattr(self.instance, "indicator", None)
        agency = data.get("agency") or getattr(self.instance, "agency", None)
        if indicator is not None and agency is not None and indicator.is_reported:
            conflicts = additivity_conflicts(pairs=[(indicator, agency)]).get((indicator.pk, agency.pk))
            if conflicts:
                raise ValidationError(additivity_message(agency, conflicts))
        return data


@admin.register(AggregateReport)
class AggregateReportAdmin(admin.ModelAdmin):
    """Reports written here go through report_save and report_delete, like the portal's pages: the
    additivity rule under its lock, and the change history."""

    form = AggregateReportAdminForm
    list_display = ["indicator", "agency", "year", "numerator", "denominator"]
    list_filter = ["indicator", "year"]
    search_fields = ["agency__code", "agency__name"]
    autocomplete_fields = ["agency"]
    list_select_related = ["indicator", "agency"]

    def get_readonly_fields(self, request, obj=None):
        # report_save finds a report by its indicator, agency and year: a correction changes the figures only.
        return ["indicator", "agency", "year"] if obj is not None else []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # Refused under the lock after the form's own check passed: another report came in meanwhile.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        saved, _created = report_save(
            user=request.user, indicator=obj.indicator, agency=obj.agency, year=obj.year,
            numerator=obj.numerator, denominator=obj.denominator, note=obj.note,
        )
        obj.pk, obj.created_at, obj.updated_at = saved.pk, saved.created_at, saved.updated_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        report_delete(user=request.user, report=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for report in queryset.select_related("agency"):
                report_delete(user=request.user, report=report)
