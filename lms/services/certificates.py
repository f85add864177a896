"""Certificates: issued with the completion, revoked with the enrollment."""

from __future__ import annotations

import secrets

from django.utils import timezone

from lms.models import Certificate, Enrollment

# No 0/O or 1/I: a code is read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """``XXXX-XXXX-XXXX``: 60 random bits, unguessable and easy to type."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


def certificate_issue(*, enrollment: Enrollment) -> Certificate:
    """The certificate of a completed enrollment; issued once. Runs inside the completion's
    transaction (``enrollment_complete``), so a completion never lacks its certificate."""
    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing is not None:
        return existing
    return Certificate.objects.create(
        enrollment=enrollment,
        verification_code=new_verification_code(),
        learner_name=enrollment.user.display_name,
        course_title=enrollment.course.title,
        grade=enrollment.grade,
        issued_at=enrollment.completed_at,
    )


def certificate_revoke(*, enrollment: Enrollment) -> None:
    """Mark the enrollment's certificate revoked (from the revocation's transaction)."""
    Certificate.objects.filter(enrollment=enrollment, revoked_at__isnull=True).update(
        revoked_at=enrollment.ended_at or timezone.now()
    )
