from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.baseline.models import Row


class RowOutput(serializers.ModelSerializer):
    class Meta:
        model = Row
        fields = ["id", "title", "body", "created_at"]


class RowDetail(APIView):
    """Session auth, then the caller's one row."""

    def get(self, request, pk: int):
        return Response(RowOutput(get_object_or_404(Row, pk=pk, owner=request.user)).data)


class RowCreate(APIView):
    """Store the body as one row (no session: as a machine caller would)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        row = Row.objects.create(body=request.data)
        return Response({"id": row.pk}, status=201)
