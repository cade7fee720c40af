from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import concerned, field_changes, history_fields, record_change
from .models import Agency, ChangeRecord, Staff, User


class HistoryAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every add, change and delete writes a ChangeRecord, as the portal's pages do.

    The admin saves inside one transaction (changeform_view), so a change and its record commit together.
    The record is written in save_related, once the many-to-many fields and the inlines are saved too.
    """

    def save_model(self, request, obj, form, change):
        before = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        many_before = _many_to_many_values(before) if before is not None else {}
        super().save_model(request, obj, form, change)
        form._history = (before, many_before)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, many_before = getattr(form, "_history", (None, {}))
        obj = form.instance
        changes = field_changes(before, obj, history_fields(type(obj)))
        for name, values in _many_to_many_values(obj).items():
            if many_before.get(name) != values:
                changes[name] = [many_before.get(name), values]
        if change and not changes:
            return
        record_change(user=request.user, instance=obj, changes=changes, **concerned(obj),
                      action=ChangeRecord.Action.UPDATE if change else ChangeRecord.Action.CREATE)

    def save_formset(self, request, form, formset, change):
        model = formset.model
        before = model._default_manager.in_bulk([f.instance.pk for f in formset.initial_forms if f.instance.pk])
        super().save_formset(request, form, formset, change)
        fields = history_fields(model)
        for obj in formset.new_objects:
            record_change(user=request.user, instance=obj, action=ChangeRecord.Action.CREATE,
                          changes=field_changes(None, obj, fields), **concerned(obj))
        for obj, _names in formset.changed_objects:
            record_change(user=request.user, instance=obj, action=ChangeRecord.Action.UPDATE,
                          changes=field_changes(before.get(obj.pk), obj, fields), **concerned(obj))
        for obj in formset.deleted_objects:
            # delete() has cleared the pk: the stored copy still has it.
            gone = before.get(obj.pk) or obj
            record_change(user=request.user, instance=gone, action=ChangeRecord.Action.DELETE,
                          changes=field_changes(None, gone, fields), **concerned(gone))

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_deletion(request.user, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action: one record per object, in the same transaction as the deletion.
        with transaction.atomic():
            for obj in queryset:
                _record_deletion(request.user, obj)
            super().delete_queryset(request, queryset)


def _record_deletion(user, obj) -> None:
    record_change(user=user, instance=obj, action=ChangeRecord.Action.DELETE,
                  changes=field_changes(None, obj, history_fields(type(obj))), **concerned(obj))


def _many_to_many_values(obj) -> dict:
    return {field.name: sorted(getattr(obj, field.name).values_list("pk", flat=True))
            for field in obj._meta.many_to_many}


@admin.register(Agency)
class AgencyAdmin(HistoryAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Staff)
class StaffAdmin(HistoryAdmin):
    list_display = ["code", "full_name", "agency", "category", "is_leader", "is_cio", "is_it_staff",
                    "it_qualification", "joined_on", "left_on"]
    list_filter = ["category", "is_leader", "is_cio", "is_it_staff", "it_qualification", "agency__level"]
    search_fields = ["code", "full_name", "name_folded"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]


@admin.register(User)
class UserAdmin(HistoryAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "agency", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email"]}),
        (_("Role and scope"), {"fields": ["role", "agency", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "deactivated_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "role", "agency", "password1", "password2"]}),
    ]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined", "deactivated_at"]
    actions = ["deactivate_users"]

    def save_model(self, request, obj, form, change):
        if change and "is_active" in form.changed_data and not obj.is_active:
            # A new stamp changes the session hash: sessions opened before stay dead after a reactivation.
            obj.deactivated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            record_change(user=request.user, instance=user, action=ChangeRecord.Action.UPDATE,
                          changes={"password": [None, "changed"]}, agency=user.agency)
        return response

    @admin.action(description=_("Deactivate the selected users (signed out on their next click)"))
    def deactivate_users(self, request, queryset):
        # ModelBackend.get_user() refuses inactive users, so their open sessions stop working on the
        # next request without hunting through the session table.
        users = list(queryset.filter(is_active=True).exclude(pk=request.user.pk).select_related("agency"))
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You cannot deactivate your own account."), messages.WARNING)
        with transaction.atomic():
            User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False, deactivated_at=timezone.now())
            for user in users:
                record_change(user=request.user, instance=user, action=ChangeRecord.Action.UPDATE,
                              changes={"is_active": [True, False]}, agency=user.agency)
        self.message_user(request, _("%(count)d user(s) deactivated.") % {"count": len(users)}, messages.SUCCESS)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    """The history, read-only: nobody adds, alters or deletes a record here (nor in bulk: no delete action).

    User.has_perm grants administrators everything, so each permission is refused explicitly.
    """

    list_display = ["created_at", "user", "action", "model", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["object_repr", "object_id"]
    readonly_fields = [f.name for f in ChangeRecord._meta.fields]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
