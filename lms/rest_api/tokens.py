"""API tokens for people: obtain a pair with a username and password, refresh it, check one."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cadence.api_docs import error_responses
from lms.services import api_tokens


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Works once, at /api/v1/auth/token/refresh/.")


class TokenApi(APIView):
    """Anyone may ask; the credentials are the authentication. No session or token is read, so
    no CSRF token is needed either."""

    authentication_classes: list = []
    permission_classes: list = []
    refusals_listed = True  # the API docs add none of the domain's guesses


class TokenObtainApi(TokenApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenObtainInput"

        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Obtain an access and a refresh token",
        description=(
            "Counts toward the same log-in lockout as the site's log-in page: a locked account "
            "gets no token, even with the right password."
        ),
        request=InputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
        auth=[],
    )
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        pair = api_tokens.token_pair_issue(request=request, **given.validated_data)
        return Response(asdict(pair))


class TokenRefreshApi(TokenApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenRefreshInput"

        refresh = serializers.CharField(max_length=4096)

    @extend_schema(
        operation_id="auth_token_refresh",
        summary="Exchange a refresh token for a new pair",
        description="The refresh token given is spent: a second use of it is refused (401).",
        request=InputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        pair = api_tokens.token_pair_refresh(refresh=given.validated_data["refresh"])
        return Response(asdict(pair))


class TokenVerifyApi(TokenApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TokenVerifyInput"

        token = serializers.CharField(max_length=4096)

    @extend_schema(
        operation_id="auth_token_verify",
        summary="Check that a token is valid",
        description=(
            "200 with an empty object for a valid, unexpired, unrevoked access or refresh token "
            "of an active user; 401 otherwise."
        ),
        request=InputSerializer,
        responses={
            200: inline_serializer(name="TokenValid", fields={}),
            **error_responses(400, 401),
        },
        auth=[],
    )
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        api_tokens.token_check(token=given.validated_data["token"])
        return Response({})
