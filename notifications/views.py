"""The notification list and the preferences page."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.views import View

from notifications import selectors, services
from notifications.kinds import ESSENTIAL, OPTIONAL, Kind


class NotificationListView(LoginRequiredMixin, View):
    template_name = "notifications/list.html"

    def get(self, request):
        notifications = selectors.notifications_for(user_id=request.user.public_id)
        return render(request, self.template_name, {"notifications": notifications})


class NotificationsMarkReadView(LoginRequiredMixin, View):
    def post(self, request):
        notification_id = request.POST.get("notification")
        services.notifications_mark_read(
            user_id=request.user.public_id,
            notification_id=int(notification_id) if (notification_id or "").isdigit() else None,
        )
        messages.success(
            request, "Marked as read." if notification_id else "All notifications marked as read."
        )
        return redirect("notifications:list")


class PreferencesView(LoginRequiredMixin, View):
    template_name = "notifications/preferences.html"

    def get(self, request):
        off = selectors.kinds_turned_off(user_id=request.user.public_id)
        return render(request, self.template_name, _choices(off))

    def post(self, request):
        chosen = set(request.POST.getlist("kinds")) & set(Kind.values)
        services.preferences_save(user_id=request.user.public_id, enabled_kinds=chosen)
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notifications:preferences")


def _choices(off: set[str]) -> dict:
    return {
        "optional": [(kind.value, kind.label, kind.value not in off) for kind in OPTIONAL],
        "essential": [Kind(kind).label for kind in Kind if kind in ESSENTIAL],
    }
