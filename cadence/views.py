from django.contrib.staticfiles.storage import staticfiles_storage
from django.views.generic import RedirectView, TemplateView


class HomeView(TemplateView):
    template_name = "home.html"


class FaviconView(RedirectView):
    """Browsers and crawlers ask for /favicon.ico whatever the pages link: send them the icon."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return staticfiles_storage.url("favicon.svg")
