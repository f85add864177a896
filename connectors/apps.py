from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from connectors import consumers  # noqa: F401  (registers the cross-context consumers)
        from connectors.outbox.recorder import record_all_declared_events

        # Declare every app's events now, so that even one no connector consumes yet is stored in
        # the outbox (and can go out as a webhook) from the first request on.
        autodiscover_modules("events")
        record_all_declared_events()
