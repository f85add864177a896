"""People: registration, profile changes, roles, and the user-sync events."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from lms import events
from lms.data import UserSynced
from lms.errors import LmsConflict, LmsError, LmsNotFound
from lms.models import SignUpRequest, User

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
    """Create a learner account, checking the password with Django's validators.

    For callers the platform trusts (the demo data, tests): it says so when the address has an
    account. The public sign-up is ``user_sign_up_request``, which never does.
    """
    user = _learner_checked(username, email, password, first_name, last_name)
    if email and User.objects.filter(email__iexact=email).exists():
        raise LmsConflict("already has an account; reset its password instead", field="email")
    return _learner_create(user)


def _learner_checked(
    username: str, email: str, password: str, first_name: str, last_name: str
) -> User:
    """The unsaved learner, once the username is free and the password passes the validators."""
    if User.objects.filter(username__iexact=username).exists():
        raise LmsConflict("is already taken", field="username")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise LmsError(" ".join(error.messages), field="password") from error
    user.set_password(password)
    return user


def _learner_create(user: User) -> User:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Someone took the name between the check above and this insert.
        raise LmsConflict("is already taken", field="username") from error
    user.groups.add(Group.objects.get_or_create(name="learner")[0])
    events.user_created.publish(_synced(user))
    return user


def _sign_up_requests_open():
    SignUpRequest.objects.expired().delete()  # no job needed: each sign-up tidies up
    return SignUpRequest.objects.open()


def _mail_after_commit(*, subject: str, template: str, context: dict, to: str) -> None:
    body = render_to_string(template, context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
    )


@transaction.atomic
def user_sign_up_request(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    site_url: str,
) -> None:
    """Start a public sign-up; the account is made when the link mailed to ``email`` is used.

    The caller learns the same whether or not ``email`` already has an account (so the form
    cannot be used to find out who is registered): nothing is created now, and the address's
    owner gets the email either way, a link to finish signing up or, when the address has an
    account, word that someone tried and a link to reset the password. A taken username or a
    weak password is refused alike for both. ``site_url`` (``https://host``) starts the links.
    """
    user = _learner_checked(username, email, password, first_name, last_name)
    context = {"site_url": site_url, "email": email}
    known = User.objects.filter(email__iexact=email).first()
    if known is not None:
        _mail_after_commit(
            subject="Someone tried to sign up with your address",
            template="lms/accounts/sign_up_known_email.txt",
            context={**context, "user": known},
            to=known.email,
        )
        return
    token = secrets.token_urlsafe(32)
    _sign_up_requests_open().create(
        token_digest=SignUpRequest.digest(token),
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=user.password,
    )
    _mail_after_commit(
        subject="Confirm your email to finish signing up",
        template="lms/accounts/sign_up_confirm_email.txt",
        context={**context, "token": token, "username": username},
        to=email,
    )


@transaction.atomic
def user_sign_up_confirm(*, token: str) -> User:
    """Make the account of a sign-up whose link was followed; the link then stops working.

    The username and address are checked again: someone may have taken them meanwhile.
    """
    request = (
        _sign_up_requests_open()
        .select_for_update()
        .filter(token_digest=SignUpRequest.digest(token))
        .first()
    )
    if request is None:
        raise LmsNotFound("this link has expired or was already used", field="token")
    if User.objects.filter(username__iexact=request.username).exists():
        raise LmsConflict("was taken meanwhile; sign up again with another", field="username")
    if User.objects.filter(email__iexact=request.email).exists():
        raise LmsConflict("already has an account; log in or reset its password", field="email")
    user = User(
        username=request.username,
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        password=request.password,
    )
    SignUpRequest.objects.filter(email__iexact=request.email).delete()
    return _learner_create(user)


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
