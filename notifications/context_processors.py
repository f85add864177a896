"""The unread count in the header, from the cache (see ``selectors``)."""

from notifications.selectors import unread_count


def unread_notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "public_id", None):
        return {}
    return {"unread_notifications": unread_count(user_id=user.public_id)}
