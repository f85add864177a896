"""People: registration, profile changes, roles, and the user-sync events."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms import events
from lms.data import UserSynced
from lms.errors import LmsConflict, LmsError
from lms.models import User

# Roles are groups; each grants the permissions its people need in the admin and the API.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "learner": [],
    "instructor": ["view_course", "view_enrollment", "complete_enrollment"],
    "creator": [
        "view_course", "add_course", "change_course",
        "view_module", "add_module", "change_module", "delete_module",
        "view_lesson", "add_lesson", "change_lesson", "delete_lesson",
    ],
    "staff": [
        "view_user", "view_department", "add_department", "change_department",
        "view_course", "add_course", "change_course",
        "view_module", "add_module", "change_module", "delete_module",
        "view_lesson", "add_lesson", "change_lesson", "delete_lesson",
        "view_courseinstructor", "add_courseinstructor", "delete_courseinstructor",
        "view_enrollment", "add_enrollment", "change_enrollment",
        "approve_enrollment", "complete_enrollment", "cancel_enrollment",
        "view_enrollmenttransition",
    ],
}  # fmt: skip


def roles_ensure() -> None:
    """Create the role groups with their permissions; running it again changes nothing."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(
            content_type__app_label="lms", codename__in=codenames
        )
        group.permissions.add(*permissions)


def _synced(user: User) -> UserSynced:
    return UserSynced(id=user.public_id, email=user.email, name=user.display_name)


@transaction.atomic
def user_register(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create a learner account, checking the password with Django's validators."""
    if User.objects.filter(username__iexact=username).exists():
        raise LmsConflict("is already taken", field="username")
    if email and User.objects.filter(email__iexact=email).exists():
        raise LmsConflict("already has an account; reset its password instead", field="email")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise LmsError(" ".join(error.messages), field="password") from error
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Someone took the name between the check above and this insert.
        raise LmsConflict("is already taken", field="username") from error
    user.groups.add(Group.objects.get_or_create(name="learner")[0])
    events.user_created.publish(_synced(user))
    return user


@transaction.atomic
def user_profile_update(*, user: User, email: str, first_name: str, last_name: str) -> User:
    """Change a person's name or email; other contexts learn it through ``user.updated``."""
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise LmsConflict("belongs to another account", field="email")
    before = _synced(user)
    user.email, user.first_name, user.last_name = email, first_name, last_name
    user.save(update_fields=["email", "first_name", "last_name"])
    if _synced(user) != before:
        events.user_updated.publish(_synced(user))
    return user


@transaction.atomic
def user_announce(*, user: User, created: bool) -> None:
    """Tell other contexts about a person saved elsewhere (the admin, the user manager)."""
    (events.user_created if created else events.user_updated).publish(_synced(user))
