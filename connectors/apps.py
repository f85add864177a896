from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django.utils.module_loading import autodiscover_modules

        from connectors import consumers  # noqa: F401  (registers the cross-context consumers)
        from connectors.models import ConnectorKey, ConnectorSigningSecret
        from connectors.outbox.recorder import record_all_declared_events

        # Declare every app's events now, so that even one no connector consumes yet is stored in
        # the outbox (and can go out as a webhook) from the first request on.
        autodiscover_modules("events")
        record_all_declared_events()
        # Any change to a key or its secrets, wherever it is made (services, the admin), makes
        # every process read the key again before its next request is verified.
        for model in (ConnectorKey, ConnectorSigningSecret):
            for signal in (post_save, post_delete):
                signal.connect(_keys_changed, sender=model, dispatch_uid=f"keys-{model.__name__}")


def _keys_changed(sender, **kwargs) -> None:
    from connectors.inbound.keys import connector_keys_changed

    connector_keys_changed()
