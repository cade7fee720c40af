from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Level, Staff
from agencies.querysets import ScopedQuerySet
from training.models import CourseCategory, localized

# How long after its last deadline a programme's figures may still be asked for (follow-up reports).
YEARS_PAST_LAST_TARGET = 5
# Aggregate reports are taken from 2016, Decision 1965's first year (formats.md), on the web and in imports.
FIRST_REPORT_YEAR = 2016


class Programme(models.Model):
    """A provincial programme (Decision 1965 to 2020/2025, or a later one) whose indicators are tracked."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    decision = models.CharField(_("decision"), max_length=255, blank=True)
    start_date = models.DateField(
        _("start date"), help_text=_("Training completed before this date counts for no indicator.")
    )
    is_current = models.BooleanField(
        _("current programme"), default=False, help_text=_("The programme the dashboards show.")
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_programme"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_en)

    def target_years(self) -> list[int]:
        """The years its indicators have targets for, in order: the programme's deadlines are their 31 Decembers."""
        return sorted(set(Target.objects.filter(indicator__programme=self).values_list("year", flat=True)))

    @staticmethod
    def deadline(year: int) -> datetime.date:
        """A target year's deadline (indicators.md, "Deadlines and verdicts"): the rule is in rules.py."""
        from .rules import deadline  # rules.py reads Target's comparators from this module

        return deadline(year)

    def date_window(self) -> tuple[datetime.date, datetime.date]:
        """The dates a person may ask figures for: from the start to a few years past the last deadline.

        Beyond it nothing is recorded yet, and a far date would make a trend of thousands of year ends.
        """
        years = self.target_years()
        last = years[-1] if years else self.start_date.year
        return self.start_date, self.deadline(last + YEARS_PAST_LAST_TARGET)


class Indicator(models.Model):
    """One countable target of a programme. Its population and counting rule are data, not code."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff on rosters")
        KEY_AGENCIES = "key_agencies", _("Key agencies")
        REPORTS = "reports", _("Aggregate reports")

    class Rule(models.TextChoices):
        TRAINED = "trained", _("Has a qualifying training record")
        QUALIFIED = "qualified", _("Has the listed IT qualification")
        HAS_CIO = "has_cio", _("Same-level subtree has an active CIO")
        HAS_QUALIFIED_IT_STAFF = "has_qualified_it_staff", _("Same-level subtree has qualified dedicated IT staff")
        REPORTED = "reported", _("Reported numerator over denominator")

    class StaffFlag(models.TextChoices):
        NONE = "", _("Everyone")
        IT_STAFF = "is_it_staff", _("Dedicated IT staff")
        LEADER = "is_leader", _("Leaders")
        CIO = "is_cio", _("CIOs")

    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    source = models.CharField(_("population source"), max_length=16, choices=Source.choices)
    rule = models.CharField(_("counted when"), max_length=32, choices=Rule.choices)
    levels = models.JSONField(
        _("levels"), default=list, blank=True,
        help_text=_("Levels whose staff form the population, e.g. [\"province\", \"district\"]; empty means all."),
    )
    staff_flag = models.CharField(_("staff flag"), max_length=16, choices=StaffFlag.choices, blank=True, default="")
    key_agencies_only = models.BooleanField(
        _("only in key agencies"), default=False,
        help_text=_("Count only staff in the same-level subtrees of departments and district committees."),
    )
    categories = models.ManyToManyField(
        CourseCategory, verbose_name=_("course categories"), blank=True, related_name="indicators",
        help_text=_("A record in any of these categories counts."),
    )
    qualifications = models.JSONField(
        _("qualifications"), default=list, blank=True,
        help_text=_("IT qualifications that count, e.g. [\"university\", \"master\", \"doctorate\"]."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="indicator_code_unique_in_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def is_reported(self) -> bool:
        return self.source == self.Source.REPORTS

    def clean(self):
        valid_levels = set(Level.values)
        if not isinstance(self.levels, list) or not set(self.levels) <= valid_levels:
            raise ValidationError({"levels": _("Levels must be a list of: province, district, commune.")})
        valid_qualifications = set(Staff.Qualification.values)
        if not isinstance(self.qualifications, list) or not set(self.qualifications) <= valid_qualifications:
            raise ValidationError({"qualifications": _("Unknown IT qualification in the list.")})


class Target(models.Model):
    """The percentage an indicator must reach by a target year, with its comparator ("trên 90%" is >)."""

    class Op(models.TextChoices):
        GT = ">", _("more than")
        GTE = ">=", _("at least")

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("target year"))
    op = models.CharField(_("comparator"), max_length=2, choices=Op.choices, default=Op.GTE)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="one_target_per_indicator_and_year"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="target_percent_0_to_100"),
            models.CheckConstraint(condition=Q(op__in=[">", ">="]), name="target_op_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.op} {self.percent}%"


class AggregateReport(models.Model):
    """An agency's yearly count for a reported indicator (teachers, students, enterprises, citizens)."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey(Agency, verbose_name=_("reporting agency"), on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    numerator = models.PositiveIntegerField(_("numerator"))
    denominator = models.PositiveIntegerField(_("denominator"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("aggregate report")
        verbose_name_plural = _("aggregate reports")
        ordering = ["indicator", "agency", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "agency", "year"], name="one_report_per_indicator_agency_year"),
            models.CheckConstraint(condition=Q(denominator__gte=F("numerator")), name="report_numerator_within_denominator"),
        ]
        indexes = [models.Index(fields=["indicator", "year"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.agency.code} {self.year}: {self.numerator}/{self.denominator}"

    def clean(self):
        if self.numerator is not None and self.denominator is not None and self.numerator > self.denominator:
            raise ValidationError({"numerator": _("The numerator cannot exceed the denominator.")})
