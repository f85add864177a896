"""Who teaches and who earns, for the site header's "Teaching" and "Earnings" links.

The LMS owns roles and assignments, so it decides: a person teaches when a course is assigned
to them or they hold the instructor role; they earn when they teach or create courses (the
creator role, or a course of their own). Every page shows the header, so the answer is kept in
the session (worked out at log-in, then again after ``REFRESH`` at most) rather than asked of the
database on each page.
"""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.db.models import Exists, OuterRef

SESSION_KEY = "cadence.work_roles"
REFRESH = 300  # seconds: a new assignment shows in the header within five minutes


def work_roles_of(user) -> dict:
    """``{"teaches": bool, "earns": bool}`` for ``user``, in one query."""
    from lms.models import Course, CourseInstructor, User

    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            assigned=Exists(CourseInstructor.objects.filter(instructor=OuterRef("pk"))),
            creates=Exists(Course.objects.filter(content_creator=OuterRef("pk"))),
            instructor_role=Exists(
                User.groups.through.objects.filter(user=OuterRef("pk"), group__name="instructor")
            ),
            creator_role=Exists(
                User.groups.through.objects.filter(user=OuterRef("pk"), group__name="creator")
            ),
        )
        .values("assigned", "creates", "instructor_role", "creator_role")
        .first()
    ) or {}
    teaches = bool(row.get("assigned") or row.get("instructor_role"))
    return {
        "teaches": teaches,
        "earns": bool(teaches or row.get("creates") or row.get("creator_role")),
    }


def _remember(request, user) -> dict:
    roles = {**work_roles_of(user), "at": time.time()}
    request.session[SESSION_KEY] = roles
    return roles


def remember_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        _remember(request, user)


user_logged_in.connect(remember_at_login, dispatch_uid="lms.work_roles")


def work_roles(request) -> dict:
    """Template context: ``work_roles`` with ``teaches`` and ``earns`` for the signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"work_roles": {"teaches": False, "earns": False}}
    roles = request.session.get(SESSION_KEY)
    if not isinstance(roles, dict) or time.time() - roles.get("at", 0) > REFRESH:
        roles = _remember(request, user)
    return {"work_roles": roles}
