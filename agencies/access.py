"""Who may see and change what. Out of scope is 404 (nothing leaks); in scope but not allowed is 403."""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Agency, Staff, User
from .querysets import CHANGE, in_scope


def role_required(*roles: str):
    """Signed-in users whose role is one of `roles` (administrators always pass); others get 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_administrator or user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


administrator_required = role_required(User.Role.ADMINISTRATOR)


def can_edit_agency_data(user: User, agency: Agency) -> bool:
    """Administrators change anything; officers change their own subtree; leaders only read."""
    return in_scope(user, agency.path, CHANGE)


def get_visible_agency(user: User, pk) -> Agency:
    return get_object_or_404(Agency.objects.visible_to(user), pk=pk)


def breadcrumb(user: User, agency: Agency) -> list[Agency]:
    """The agency's ancestors the user may see, root first (an officer's trail starts at their own agency)."""
    return list(Agency.objects.visible_to(user).ancestors_of(agency))


def get_visible_staff(user: User, pk) -> Staff:
    return get_object_or_404(Staff.objects.visible_to(user).select_related("agency"), pk=pk)


def get_editable_staff(user: User, pk) -> Staff:
    staff = get_visible_staff(user, pk)
    if not can_edit_agency_data(user, staff.agency):
        raise PermissionDenied
    return staff
