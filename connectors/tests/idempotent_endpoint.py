"""A connector endpoint of the shape the spec's four take, to exercise the inbound stack.

It validates its input, then records a label (an auth ``Group``) once per key and ``labelId``: a
real write, so a second effect would show as a second row or an integrity error.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.urls import include, path
from rest_framework import serializers

from connectors.rest_api.authentication import ConnectorAPIView
from connectors.rest_api.idempotency import idempotent_response

ENDPOINT = "tests.label"


class LabelRecordView(ConnectorAPIView):
    class InputSerializer(serializers.Serializer):
        labelId = serializers.RegexField(r"^lbl_[a-z0-9]+$")
        name = serializers.CharField(max_length=100)
        amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        label = data.validated_data

        def effect():
            group = Group.objects.create(
                name=f"label:{label['labelId']}:{label['name']}:{request.user.name}"
            )
            return 201, {"success": True, "labelId": label["labelId"], "groupId": group.pk}

        return idempotent_response(
            request,
            endpoint=ENDPOINT,
            natural_key={"labelId": label["labelId"]},
            payload=label,
            effect=effect,
        )


urlpatterns = [
    path("test/labels", LabelRecordView.as_view()),
    path("", include("cadence.urls")),
]
