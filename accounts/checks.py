"""Deployment checks for sign-in protection (run by `manage.py check --deploy`)."""
from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def check_client_address_source(app_configs, **kwargs):
    # Behind nginx every request comes from 127.0.0.1: without the forwarded address, 20 failed
    # sign-ins anywhere in the province would lock everybody out.
    if settings.DEBUG or getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        return []
    return [Warning(
        "TRUST_X_FORWARDED_FOR is off, so the sign-in throttle counts failures per proxy address.",
        hint="Set TRUST_X_FORWARDED_FOR=true when nginx (deploy/nginx.conf) runs in front of gunicorn, as it should.",
        id="accounts.W001",
    )]
