"""Response headers that every page and API answer of Cadence carries."""

from __future__ import annotations

from django.conf import settings
from django.middleware.common import CommonMiddleware
from django.utils.cache import add_never_cache_headers, patch_vary_headers


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
