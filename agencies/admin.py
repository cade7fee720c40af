from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .history import record_change
from .models import Agency, ChangeRecord, Staff, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "agency", "category", "is_leader", "is_cio", "is_it_staff",
                    "it_qualification", "joined_on", "left_on"]
    list_filter = ["category", "is_leader", "is_cio", "is_it_staff", "it_qualification", "agency__level"]
    search_fields = ["code", "full_name", "name_folded"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "role", "agency", "password1", "password2"]}),
    ]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined"]
    actions = ["deactivate_users"]

    @admin.action(description=_("Deactivate the selected users (signed out on their next click)"))
    def deactivate_users(self, request, queryset):
        # ModelBackend.get_user() refuses inactive users, so their open sessions stop working on the
        # next request without hunting through the session table.
        users = list(queryset.filter(is_active=True).exclude(pk=request.user.pk).select_related("agency"))
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You cannot deactivate your own account."), messages.WARNING)
        User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)
        for user in users:
            record_change(user=request.user, instance=user, action=ChangeRecord.Action.UPDATE,
                          changes={"is_active": [True, False]}, agency=user.agency)
        self.message_user(request, _("%(count)d user(s) deactivated.") % {"count": len(users)}, messages.SUCCESS)


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "action", "model", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["object_repr", "object_id"]
    readonly_fields = [f.name for f in ChangeRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
