"""Who may call a staff API: the holder of the Django permission for that capability.

Staff status only opens the admin's door; what someone may do there or through the API is the
permission they were given (``commerce.add_refund``, ``payouts.view_payoutaccount``, ...).
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class HoldsPermissions(BasePermission):
    """The signed-in caller holds every one of ``required`` (an inactive account holds none)."""

    required: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(self.required))


def holds(*permissions: str) -> type[HoldsPermissions]:
    """A permission class for ``permission_classes``: ``[holds("commerce.add_refund")]``."""
    return type(f"Holds({', '.join(permissions)})", (HoldsPermissions,), {"required": permissions})


class StaffHoldsPermissions(BasePermission):
    """A staff member holding every permission the request's method needs
    (``view.permissions_by_method``); anyone else is refused (403)."""

    message = "only staff holding the permission for this may do it"

    def has_permission(self, request, view) -> bool:
        user = request.user
        needed = view.permissions_by_method.get(request.method)
        return bool(
            needed is not None
            and user
            and user.is_authenticated
            and user.is_staff
            and user.has_perms(needed)
        )
