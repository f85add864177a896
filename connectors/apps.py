from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from connectors import consumers  # noqa: F401  (registers the cross-context consumers)
        from connectors.outbox.recorder import record_all_declared_events

        record_all_declared_events()
