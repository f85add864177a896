from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cadence.views import FaviconView, HomeView

admin.site.site_header = "Cadence administration"
admin.site.site_title = "Cadence admin"
admin.site.index_title = "Operations"

# Under /api/ an unknown path or a crash answers in the API's error body (cadence.views).
handler404 = "cadence.views.page_not_found"
handler500 = "cadence.views.server_error"

# The connector endpoints first: outside systems call them most, and each pattern tried before a
# match costs every request (tests/test_url_order.py: no pattern shadows another).
urlpatterns = [
    path("", include("connectors.urls")),
    path("", HomeView.as_view(), name="home"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("lms.urls")),
    path("", include("commerce.urls")),
    path("", include("payouts.urls")),
    path("", include("notifications.urls")),
]
