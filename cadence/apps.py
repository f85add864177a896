from django.apps import AppConfig


class CadenceConfig(AppConfig):
    name = "cadence"
    verbose_name = "Cadence"

    def ready(self):
        from cadence import checks  # noqa: F401  (registers the deploy checks)
