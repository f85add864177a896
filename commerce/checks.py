"""System checks: the payment processors the operator listed exist, and can be offered."""

from __future__ import annotations

from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.compatibility)
def payment_processors_check(app_configs, **kwargs):
    from commerce.processors import adapter_class, is_configured, listed_processor_names

    try:
        names = listed_processor_names()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="commerce.E001")]
    problems = []
    for name in names:
        if not is_configured(name):
            missing = [key for key in adapter_class(name).required_settings if not _set(key)]
            problems.append(
                Warning(
                    f"the payment processor '{name}' is listed but not offered: "
                    f"{', '.join(missing)} not set",
                    id="commerce.W001",
                )
            )
    if len(problems) == len(names):
        problems.append(
            Warning("no payment processor can be offered: checkout is closed", id="commerce.W002")
        )
    return problems


def _set(key: str) -> bool:
    from django.conf import settings

    return bool(getattr(settings, key, ""))
