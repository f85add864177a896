from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import JsonResponse
from django.views import csrf, defaults
from django.views.generic import RedirectView, TemplateView

API_PREFIX = "/api/"


class HomeView(TemplateView):
    template_name = "home.html"


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request, exception):
    """``handler404``: an unknown ``/api/`` path answers in the API's error body, not a page."""
    if _is_api(request):
        return _api_error(404, "not_found", f"no API endpoint at {request.path}")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: the API's callers get JSON they can read, never an HTML page."""
    if _is_api(request):
        return _api_error(500, "server_error", "the server failed; the failure was logged")
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: the few plain Django views under ``/api/`` answer in JSON too."""
    if _is_api(request):
        return _api_error(403, "permission_denied", f"CSRF Failed: {reason}")
    return csrf.csrf_failure(request, reason=reason)


class FaviconView(RedirectView):
    """Browsers and crawlers ask for /favicon.ico whatever the pages link: send them the icon."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return staticfiles_storage.url("favicon.svg")
