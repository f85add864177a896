"""Response headers that every page and API answer of Cadence carries, and the shorter way the
connector endpoints' POSTs take to their views."""

from __future__ import annotations

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.common import CommonMiddleware
from django.urls import get_script_prefix, resolve, reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.module_loading import import_string


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): the browser features pages and
    the frames they embed may use. Cadence needs none but payments in Stripe's frames."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer, but for the public pages an anonymous visitor
    sees (settings.CACHEABLE_PUBLIC_ROUTES, by URL name).

    Nearly every page and API answer carries personal or money data (earnings, tax and payout
    details, orders, receipts, enrollments, the API's JSON, even the name in the page header), and
    a browser or shared cache must keep none of it: not in the back-button history of a shared
    computer, not in a proxy. Marking the few public pages is safer than remembering each private
    one. Static files are served before this middleware and keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not self._public(request):
            # max-age=0, no-cache, no-store, must-revalidate, private
            add_never_cache_headers(response)
        patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def _public(request) -> bool:
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        return (
            match is not None
            and match.view_name in settings.CACHEABLE_PUBLIC_ROUTES
            and not (user is not None and user.is_authenticated)
        )


class SlashRedirectMiddleware(CommonMiddleware):
    """Django's ``CommonMiddleware``, whose ``APPEND_SLASH`` redirects an API path only for GET
    and HEAD.

    Every ``/api/`` path ends with a slash. A GET or HEAD without it is redirected (301) to the
    path with it; any other method gets the API's 404: a redirect would turn a POST into a GET
    (and Django refuses to redirect one with DEBUG on).
    """

    def should_redirect_with_slash(self, request) -> bool:
        if request.path_info.startswith("/api/") and request.method not in {"GET", "HEAD"}:
            return False
        return super().should_redirect_with_slash(request)


# The attributes through which a view asks for its own policy (django-csp's decorators).
_OWN_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
# The policies built from the settings alone: {report_only: header value}.
_SETTINGS_POLICIES: dict[bool, str] = {}


@receiver(setting_changed)
def _settings_policies_forget(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _SETTINGS_POLICIES.clear()


def _settings_policy(report_only: bool) -> str:
    policy = _SETTINGS_POLICIES.get(report_only)
    if policy is None:
        policy = _SETTINGS_POLICIES[report_only] = build_policy(report_only=report_only)
    return policy


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (settings.CONTENT_SECURITY_POLICY), the settings' policy built once.

    django-csp builds both headers, enforced and report-only, from the settings on every answer
    (copying the directives twice over). An answer whose page asked for no nonce and whose view
    set no policy of its own (``csp_update``, ``csp_replace``, …) gets the settings' policy,
    the same text every time: it is built once and kept (until a setting of it changes, as tests
    do). Any other answer goes through django-csp itself. The rules of which answer gets which
    header are django-csp's own, restated below for the kept policy.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _OWN_POLICY
        ):
            return super().process_response(request, response)
        exempted = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if response.status_code in exempted and settings.DEBUG:
            return response
        for report_only, header, exempt, setting in (
            (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = _settings_policy(report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a page
        # whose script the policy silently blocks.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class _ViewOnlyHandler(BaseHandler):
    """Django's own resolving, calling and rendering of a view, without any middleware hook."""

    _view_middleware = _template_response_middleware = _exception_middleware = ()


class ConnectorPostMiddleware:
    """POSTs to the views named in settings.CONNECTOR_POST_URL_NAMES (the spec's connector
    endpoints) go through settings.CONNECTOR_POST_MIDDLEWARE only, not the rest of MIDDLEWARE.

    Outside systems post JSON there, authenticated by a connector key and a signature: no
    session, no CSRF cookie, no log-in, no flash message, no static file. The middleware for
    those (sessions, CSRF, authentication, messages, WhiteNoise) is skipped, each layer of it
    costing every request; the answer still gets the same headers (the policies, no-store,
    X-Frame-Options), from the same middleware. Place it right after SecurityMiddleware. The
    short chain is built as Django builds MIDDLEWARE's, but it holds no view, exception or
    template-response hooks: a middleware with one is refused there. CsrfViewMiddleware does not
    run either, so only a view exempt from it (as DRF's are) may be named.
    """

    _HOOKS = ("process_view", "process_exception", "process_template_response")

    def __init__(self, get_response):
        self.get_response = get_response
        chain = convert_exception_to_response(_ViewOnlyHandler()._get_response)
        for path in reversed(settings.CONNECTOR_POST_MIDDLEWARE):
            middleware = import_string(path)(chain)
            if any(hasattr(middleware, hook) for hook in self._HOOKS):
                raise ImproperlyConfigured(
                    f"{path} has a view hook: not for CONNECTOR_POST_MIDDLEWARE"
                )
            chain = convert_exception_to_response(middleware)
        self.connector_post_chain = chain
        self._paths: frozenset[str] | None = None

    def __call__(self, request):
        if request.method == "POST" and request.path in self._connector_paths():
            return self.connector_post_chain(request)
        return self.get_response(request)

    def _connector_paths(self) -> frozenset[str]:
        if self._paths is None:  # the URLconf is read at the first request, not at start-up
            paths = frozenset(reverse(name) for name in settings.CONNECTOR_POST_URL_NAMES)
            for path in paths:
                view = resolve("/" + path.removeprefix(get_script_prefix())).func
                if not getattr(view, "csrf_exempt", False):
                    raise ImproperlyConfigured(f"{path} is CSRF-checked: not a connector POST")
            self._paths = paths
        return self._paths
