"""The portal's authentication backend: Django's ModelBackend behind the sign-in throttle."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from .throttle import clear_failures, client_ip, lockout_for, record_failure


class ThrottledModelBackend(ModelBackend):
    """Refuses to check any password while the username or address is locked out, and counts failures.

    Every sign-in path (the portal's form, the admin's, client.login in tests) goes through
    authenticate(), so the throttle cannot be bypassed by picking another login page. The forms
    check the lockout first only to show a clearer message than "wrong password".
    Inactive users are refused by ModelBackend itself, at sign-in and on every later request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if lockout_for(username=username, ip=ip):
            # PermissionDenied stops django.contrib.auth.authenticate() from trying other backends.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username=username, ip=ip)
        else:
            clear_failures(username=username)
        return user

    def get_user(self, user_id):
        """The signed-in user of each request with their agency, which the pages' scope reads: one query."""
        try:
            user = get_user_model()._default_manager.select_related("agency").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
