from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from connectors.rest_api.authentication import ConnectorAPIView


class ConnectorPingView(ConnectorAPIView):
    """A health check for outside systems: proves their key, signature and clock are right.

    ``POST`` does the same with a body, so a client can check that it signs bodies correctly
    (and that a key sent as the body's ``apiKey`` works) before it calls a real endpoint.
    """

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConnectorPingOutput"

        ok = serializers.BooleanField()
        keyName = serializers.CharField()
        serverTime = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return self._pong(request)

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request):
        return self._pong(request)

    def _pong(self, request) -> Response:
        output = {"ok": True, "keyName": request.user.name, "serverTime": timezone.now()}
        return Response(self.OutputSerializer(output).data)
