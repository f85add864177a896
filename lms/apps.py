from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Learning"

    def ready(self) -> None:
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="lms.roles")
        # The header's "Teaching" and "Earnings" links: worked out when someone logs in.
        from lms import work_roles  # noqa: F401


def _ensure_roles(**kwargs) -> None:
    # Permissions exist only after migrate; the role groups are (re)built from them here.
    from lms.services import roles_ensure

    roles_ensure()
