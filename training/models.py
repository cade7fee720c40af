from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies import links
from agencies.choices import ChoiceLabels
from agencies.models import Agency, Staff
from agencies.querysets import EVERYTHING, ScopedQuerySet, scope_path


def localized(name: str, name_en: str) -> str:
    """A name kept in both languages (categories, indicators, programmes), in the language of the page:
    the English one in the English interface when it is given, the Vietnamese one otherwise."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


class CourseCategory(models.Model):
    """A kind of IT course (basic, e-government, security, ...); indicators count records by category."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("course category")
        verbose_name_plural = _("course categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_en)


class TrainingRecordQuerySet(ScopedQuerySet):
    scope_field = "staff__agency__path"

    def passed(self) -> TrainingRecordQuerySet:
        return self.filter(result=TrainingRecord.Result.PASSED)

    def completed_between(self, start, end) -> TrainingRecordQuerySet:
        return self.filter(completed_on__gte=start, completed_on__lte=end)


# The attended courses' ids go into each of a list page's queries; past this many the lookup stays in
# them instead, so that a statement never grows without bound (SQLite takes at most 32,766 parameters).
ATTENDED_IDS_LIMIT = 5000


class CourseQuerySet(ScopedQuerySet):
    # Changing a course is its managing agency's business: a course with none (a province-wide
    # import) matches no officer's prefix, so only administrators change it.
    scope_field = "agency__path"

    def visible_to(self, user, *, attended_read_now: bool = False) -> CourseQuerySet:
        """Courses an officer's subtree organises, or that any of its staff attend; everything for the others.

        With `attended_read_now`, the courses its staff attend are read at once, in one query, into a
        list of ids (up to ATTENDED_IDS_LIMIT of them): for a list page, which filters, counts and pages
        these courses in several queries, each of which would otherwise look them up again through every
        record of the subtree's staff.
        """
        prefix = scope_path(user)
        if prefix is None or prefix == EVERYTHING:
            return self._within(prefix)
        attended = TrainingRecord.objects.filter(staff__agency__path__startswith=prefix).values("course_id")
        if attended_read_now:
            ids = list(attended.order_by().distinct().values_list("course_id", flat=True)[:ATTENDED_IDS_LIMIT + 1])
            if len(ids) <= ATTENDED_IDS_LIMIT:
                attended = ids
        return self.filter(Q(agency__path__startswith=prefix) | Q(pk__in=attended))


class Course(models.Model):
    """A training course (khóa học) with its dates, organiser and category."""

    code = models.CharField(_("course code"), max_length=32, unique=True)
    name = models.CharField(_("course name"), max_length=255)
    category = models.ForeignKey(
        CourseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="courses"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    organiser = models.CharField(_("organiser"), max_length=255, blank=True)
    hours = models.PositiveIntegerField(_("hours (periods)"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    trainer = models.CharField(_("trainer"), max_length=255, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("managing agency"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="courses",
        help_text=_("The agency whose IT officers manage this course; empty for courses imported province-wide."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="course_code_not_empty"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="course_end_not_before_start"),
        ]
        indexes = [models.Index(fields=["start_date"])]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def get_absolute_url(self) -> str:
        return links.reverse("training:course-detail", args=[self.pk])

    def clean(self):
        if self.code:
            self.code = self.code.strip().upper()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


class TrainingRecord(ChoiceLabels):
    """One staff member's participation in one course, with its result."""

    class Result(models.TextChoices):
        PENDING = "pending", _("No result yet")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        ABSENT = "absent", _("Absent")

    staff = models.ForeignKey(Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="training_records")
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="records")
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.PENDING)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["course", "staff"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "course"], name="one_record_per_staff_and_course"),
            models.CheckConstraint(
                condition=~Q(result="passed") | Q(completed_on__isnull=False), name="passed_record_has_date"
            ),
        ]
        indexes = [models.Index(fields=["staff", "result", "completed_on"])]

    def __str__(self) -> str:
        # The admin shows this: the result's label, not its stored English value.
        return f"{self.staff_id} @ {self.course_id}: {self.get_result_display()}"

    def clean(self):
        if self.result == self.Result.PASSED and not self.completed_on:
            raise ValidationError({"completed_on": _("A passed result needs its completion date.")})


class PassCutoff(models.Model):
    """A date from which passed records count (a programme's start), for which FirstPass rows are kept.

    Targets register their programmes' start dates here; training keeps FirstPass right for each.
    """

    counted_from = models.DateField(_("counted from"), unique=True)

    class Meta:
        verbose_name = _("pass cutoff")
        verbose_name_plural = _("pass cutoffs")
        ordering = ["counted_from"]

    def __str__(self) -> str:
        return self.counted_from.isoformat()


class FirstPass(models.Model):
    """Each person's first passed completion per category on or after a cutoff.

    Derived from TrainingRecord and rewritten by `training.passes.refresh_first_passes` on every
    write, so that "trained by D" is an index lookup rather than a scan of all records.
    """

    cutoff = models.ForeignKey(PassCutoff, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="first_passes")
    category = models.ForeignKey(CourseCategory, on_delete=models.CASCADE, related_name="+")
    first_on = models.DateField()

    class Meta:
        verbose_name = _("first pass")
        verbose_name_plural = _("first passes")
        constraints = [
            models.UniqueConstraint(fields=["cutoff", "staff", "category"], name="one_first_pass_per_category"),
        ]
        # Covers "this person's first pass in these categories" (the engine's per-category count over
        # dedicated IT staff and leaders, the not-counted lists) as index-only lookups: at 300,000
        # people it halved that count against a scan of the whole table.
        indexes = [models.Index(fields=["staff", "cutoff", "category", "first_on"])]

    def __str__(self) -> str:
        return f"{self.staff_id}/{self.category_id} · {self.cutoff_id}: {self.first_on}"


class FirstPassAny(models.Model):
    """Each person's first passed completion in any category on or after a cutoff.

    The minimum of that person's FirstPass rows, kept beside them by the same refresh: an indicator
    that counts every category (the staff-* ones) then needs one row per person instead of one join
    per category over the whole roster.
    """

    # The unique constraint's index leads with the cutoff and the covering index with the person, so
    # neither foreign key needs an index of its own.
    cutoff = models.ForeignKey(PassCutoff, on_delete=models.CASCADE, related_name="+", db_index=False)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="first_passes_any", db_index=False)
    first_on = models.DateField()

    class Meta:
        verbose_name = _("first pass in any category")
        verbose_name_plural = _("first passes in any category")
        constraints = [
            models.UniqueConstraint(fields=["cutoff", "staff"], name="one_first_pass_any_per_cutoff"),
        ]
        indexes = [models.Index(fields=["staff", "cutoff", "first_on"])]

    def __str__(self) -> str:
        return f"{self.staff_id} · {self.cutoff_id}: {self.first_on}"
