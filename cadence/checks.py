"""Deploy checks (``manage.py check --deploy``) for what production must never run without."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def mail_is_delivered(app_configs, **kwargs):
    # A password-reset link is a credential: printed or filed mail lands in logs and on disks.
    if settings.EMAIL_BACKEND in settings.EMAIL_BACKENDS_THAT_DELIVER_NOTHING:
        return [
            Error(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which delivers no mail.",
                hint="Set EMAIL_URL to the mail transport, e.g. smtp+tls://user:pass@host:587.",
                id="cadence.E001",
            )
        ]
    return []


@register(Tags.security, Tags.caches, deploy=True)
def cache_is_shared(app_configs, **kwargs):
    # Log-in lockouts and rate limits only hold when every web process counts in the same cache.
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in settings.SHARED_CACHE_BACKENDS:
        return [
            Error(
                f"The default cache ({backend}) is not shared by the web processes.",
                hint="Set REDIS_URL (or CACHE_URL) to the Redis all web processes use.",
                id="cadence.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def proxies_are_named(app_configs, **kwargs):
    # Behind a proxy every client has the proxy's address unless the proxy is named: the log-in
    # throttle would then count everyone as one.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXIES:
        return [
            Warning(
                "Cadence runs behind a proxy (SECURE_PROXY_SSL_HEADER), "
                "but TRUSTED_PROXIES is empty.",
                hint="Set TRUSTED_PROXIES to the proxies' addresses or networks, e.g. 10.0.0.0/16.",
                id="cadence.W003",
            )
        ]
    return []
