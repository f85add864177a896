from django.urls import path

from connectors.rest_api.views import ConnectorPingView

urlpatterns = [
    path("api/v1/connectors/ping", ConnectorPingView.as_view(), name="connector-ping"),
]
