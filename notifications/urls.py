from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="list"),
    path("notifications/read/", views.NotificationsMarkReadView.as_view(), name="mark-read"),
    path("notifications/preferences/", views.PreferencesView.as_view(), name="preferences"),
]
