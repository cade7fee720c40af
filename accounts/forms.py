"""Sign-in forms that say plainly when signing in is paused by the throttle."""
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from .throttle import client_ip, lockout_for


class ThrottledSignInMixin:
    """Checks the lockout before the password, so a locked-out person learns why and for how long."""

    def clean(self):
        username = self.cleaned_data.get("username")
        lockout = lockout_for(username=username, ip=client_ip(self.request))
        if lockout is not None:
            minutes = max(1, (lockout.retry_after + 59) // 60)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. For safety, signing in is paused: "
                    "please try again in %(minutes)d minute, or ask your administrator for help.",
                    "Too many failed sign-in attempts. For safety, signing in is paused: "
                    "please try again in %(minutes)d minutes, or ask your administrator for help.",
                    minutes,
                ),
                code="throttled",
                params={"minutes": minutes},
            )
        return super().clean()


class SignInForm(ThrottledSignInMixin, AuthenticationForm):
    """The portal's sign-in form."""


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """The admin site's sign-in form."""
