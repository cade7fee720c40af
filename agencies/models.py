from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from sheets.text import fold

from . import links
from .choices import ChoiceLabels
from .querysets import AgencyQuerySet, StaffQuerySet

# Width of one pk segment in Agency.path: 8 digits allow 10^8 agencies and keep
# lexicographic order equal to creation order within a parent.
PATH_SEGMENT_WIDTH = 8


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class Agency(ChoiceLabels):
    """An agency of the province (People's Committee, department, district, commune, unit or school).

    Agencies form a tree. `path` is a materialised path of zero-padded primary keys
    ("00000001/00000005/"), so a whole subtree is one `path LIKE 'prefix%'` query.
    """

    class Kind(models.TextChoices):
        PROVINCE_COMMITTEE = "province_committee", _("Provincial People's Committee")
        DEPARTMENT = "department", _("Department, board or sector")
        DISTRICT_COMMITTEE = "district_committee", _("District People's Committee")
        COMMUNE_COMMITTEE = "commune_committee", _("Commune People's Committee")
        UNIT = "unit", _("Affiliated unit")
        SCHOOL = "school", _("School")

    KEY_KINDS = (Kind.DEPARTMENT, Kind.DISTRICT_COMMITTEE)

    code = models.CharField(_("agency code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent agency"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="agency_code_not_empty"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="agency_not_own_parent"),
        ]
        indexes = [models.Index(fields=["level", "kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return links.reverse("agencies:agency-detail", args=[self.pk])

    @property
    def is_key_agency(self) -> bool:
        return self.kind in self.KEY_KINDS

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys of the ancestors, root first, read from the path (no query)."""
        return path_ids(self.path)[:-1]

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of the ancestors, root first: each is a prefix of this agency's path."""
        return path_prefixes(self.path)[:-1]

    def clean(self):
        if self.code:
            self.code = self.code.strip().upper()
        if self.parent_id and self.pk and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("An agency cannot be placed under itself or its own descendant.")})
        if self.parent_id is None and self.kind != self.Kind.PROVINCE_COMMITTEE:
            raise ValidationError({"parent": _("Only the Provincial People's Committee may have no parent agency.")})

    def save(self, *args, **kwargs):
        # The path must follow every save, including moves made in the admin, so it is
        # kept here rather than in a service; descendants are rewritten in one UPDATE.
        with transaction.atomic():
            creating = self.pk is None
            if creating:
                super().save(*args, **kwargs)
            old_path = self.path
            parent_path = Agency.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else ""
            self.path = f"{parent_path}{self.pk:0{PATH_SEGMENT_WIDTH}d}/"
            self.depth = self.path.count("/") - 1
            if creating:
                super().save(update_fields=["path", "depth"])
                return
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                _rewrite_descendant_paths(old_path, self.path)


def path_ids(path: str) -> list[int]:
    """The primary keys a materialised path encodes, root first and the agency itself last."""
    return [int(segment) for segment in path.split("/") if segment]


def path_prefixes(path: str) -> list[str]:
    """The paths of every agency on a materialised path, root first and the agency itself last."""
    segments = [segment for segment in path.split("/") if segment]
    return ["".join(f"{segment}/" for segment in segments[: i + 1]) for i in range(len(segments))]


def _rewrite_descendant_paths(old_prefix: str, new_prefix: str) -> None:
    depth_change = new_prefix.count("/") - old_prefix.count("/")
    Agency.objects.filter(path__startswith=old_prefix).exclude(path=new_prefix).update(
        path=Concat(models.Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_change,
    )


def rebuild_agency_paths() -> int:
    """Recompute every path from the parent links (after bulk writes that bypass save()).

    Runs one SELECT and one bulk UPDATE whatever the size of the tree.
    """
    rows = list(Agency.objects.values_list("pk", "parent_id", "path"))
    parent_of = {pk: parent for pk, parent, _path in rows}
    computed: dict[int, str] = {}

    def path_of(pk: int, seen: frozenset = frozenset()) -> str:
        if pk in computed:
            return computed[pk]
        if pk in seen:
            raise ValidationError(_("The agency tree has a cycle."))
        parent = parent_of[pk]
        prefix = path_of(parent, seen | {pk}) if parent else ""
        computed[pk] = f"{prefix}{pk:0{PATH_SEGMENT_WIDTH}d}/"
        return computed[pk]

    changed = []
    for pk, _parent, path in rows:
        new_path = path_of(pk)
        if new_path != path:
            changed.append(Agency(pk=pk, path=new_path, depth=new_path.count("/") - 1))
    Agency.objects.bulk_update(changed, ["path", "depth"], batch_size=1000)
    return len(changed)


class Staff(ChoiceLabels):
    """A person on an agency's roster. Never deleted by normal use: leaving is a date."""

    class Category(models.TextChoices):
        CB = "CB", _("Cán bộ (official)")
        CC = "CC", _("Công chức (civil servant)")
        VC = "VC", _("Viên chức (public employee)")
        HD = "HD", _("Hợp đồng (contract worker)")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Qualification(models.TextChoices):
        NONE = "none", _("None")
        CERTIFICATE = "certificate", _("Certificate")
        INTERMEDIATE = "intermediate", _("Intermediate")
        COLLEGE = "college", _("College")
        UNIVERSITY = "university", _("University")
        MASTER = "master", _("Master")
        DOCTORATE = "doctorate", _("Doctorate")

    CIVIL_SERVANT_CATEGORIES = (Category.CB, Category.CC, Category.VC)
    UNIVERSITY_OR_HIGHER = (Qualification.UNIVERSITY, Qualification.MASTER, Qualification.DOCTORATE)

    code = models.CharField(_("staff code"), max_length=32, unique=True)
    full_name = models.CharField(_("full name"), max_length=255)
    # Lower-case, accent-free copy of full_name for searches typed without accents.
    name_folded = models.CharField(max_length=255, editable=False, db_index=True, default="")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="staff")
    category = models.CharField(_("category"), max_length=2, choices=Category.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    is_leader = models.BooleanField(_("leader"), default=False)
    is_cio = models.BooleanField(_("CIO"), default=False)
    is_it_staff = models.BooleanField(_("dedicated IT staff"), default=False)
    it_qualification = models.CharField(
        _("IT qualification"), max_length=16, choices=Qualification.choices, default=Qualification.NONE
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["agency__path", "full_name", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="staff_code_not_empty"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(joined_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="staff_left_not_before_joined",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_year__isnull=False),
                name="staff_birth_year_with_birth_date",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "category"]),
            models.Index(fields=["left_on"]),
            models.Index(fields=["agency"], condition=Q(is_it_staff=True), name="staff_it_staff_idx"),
            models.Index(fields=["agency"], condition=Q(is_cio=True), name="staff_cio_idx"),
            models.Index(fields=["agency"], condition=Q(is_leader=True), name="staff_leader_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    def get_absolute_url(self) -> str:
        return links.reverse("agencies:staff-detail", args=[self.pk])

    @property
    def category_label(self) -> str:
        """CB, CC, VC or HĐ: the short label tables show (the stored code of contract workers is "HD")."""
        return "HĐ" if self.category == self.Category.HD else self.category

    @property
    def is_civil_servant(self) -> bool:
        return self.category in self.CIVIL_SERVANT_CATEGORIES

    def clean(self):
        if self.code:
            self.code = self.code.strip().upper()
        if self.birth_date:
            self.birth_year = self.birth_date.year
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("The leaving date cannot be before the joining date.")})

    def save(self, *args, **kwargs):
        # Derived search column; bulk writers set it with sheets.text.fold() themselves.
        self.name_folded = fold(self.full_name)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra_fields):
        if not username:
            raise ValueError("A username is required.")
        user = self.model(username=self.model.normalize_username(username), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMINISTRATOR)
        extra_fields.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. The role decides what they may do; officers work within their agency's subtree."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Administrator")
        LEADER = "leader", _("Provincial leader")
        OFFICER = "officer", _("Agency IT officer")

    username = models.CharField(_("username"), max_length=150, unique=True)
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICER)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        help_text=_("Required for IT officers: they work within this agency and its subordinate units."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    deactivated_at = models.DateTimeField(
        _("last deactivated"), null=True, blank=True, editable=False,
        help_text=_("Part of the session check: sessions opened before a deactivation never work again."),
    )

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="officer") | Q(agency__isnull=False), name="user_officer_has_agency"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self):
        super().clean()
        if self.role == self.Role.OFFICER and self.agency_id is None:
            raise ValidationError({"agency": _("An IT officer must belong to an agency.")})

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django ends a session whose stored hash no longer matches: with the last deactivation in the
        # hash, a reactivated person's old sessions (a shared office computer) stay dead.
        # Never deactivated: Django's own hash, so that this change signed nobody out.
        if self.deactivated_at is None:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "agencies.User.get_session_auth_hash"
        value = f"{self.password}|{self.deactivated_at.isoformat()}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_short_name(self) -> str:
        return self.get_full_name()

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.role == self.Role.ADMINISTRATOR or self.is_superuser)

    @property
    def is_leader(self) -> bool:
        return self.is_active and self.role == self.Role.LEADER

    @property
    def is_officer(self) -> bool:
        return self.is_active and self.role == self.Role.OFFICER and not self.is_superuser

    @property
    def sees_everything(self) -> bool:
        """Leaders read and administrators manage the whole province."""
        return self.is_administrator or self.is_leader

    @property
    def is_staff(self) -> bool:
        # The Django admin is for administrators; the role is the single source of truth.
        return self.is_administrator

    def has_perm(self, perm, obj=None) -> bool:
        if self.is_administrator:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_administrator:
            return True
        return super().has_module_perms(app_label)


class ChangeRecord(ChoiceLabels):
    """Who changed what and when: one row per create, update or delete done through the portal."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        IMPORT = "import", _("Imported")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    model = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    # Old and new values of the changed fields: {"field": [old, new]}.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="change_records",
        help_text=_("The person this change concerns, so their page can show it."),
    )
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class DataVersion(models.Model):
    """One row counting the writes that can change a figure (rosters, agencies, training, reports, targets).

    Bumped inside the writing transaction (agencies.versioning), so a rolled-back write leaves it alone
    and a committed one is seen together with its data; computed figures are cached under it
    (targets.results) and are never served once the data they came from has changed.
    """

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return str(self.number)


class BranchVersion(models.Model):
    """Counts the writes of one branch of the tree that change only its own figures: a person's
    roster entry, training results and aggregate reports.

    A branch is a top agency's subtree (a department, a district), or a root agency's own staff.
    A page of one agency's subtree is cached under the data version and its branch's version, so
    writes in other branches leave it cached; the province's figures are put together from each
    branch's counts, and after a write only that branch is counted again (targets.results).
    """

    branch = models.OneToOneField(Agency, primary_key=True, on_delete=models.CASCADE, related_name="+")
    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("branch version")
        verbose_name_plural = _("branch versions")

    def __str__(self) -> str:
        return f"{self.branch_id}: {self.number}"
