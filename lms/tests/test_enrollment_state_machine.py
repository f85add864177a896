"""DESIGN §5: every legal enrollment transition works, every illegal one is refused and logged."""

import pytest

from lms import services
from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Enrollment, EnrollmentTransition
from lms.tests.factories import EnrollmentFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Enrollment.State
LEGAL = {
    "approve": {S.PENDING: S.APPROVED},
    "reject": {S.PENDING: S.REJECTED},
    "start": {S.APPROVED: S.IN_PROGRESS},
    "complete": {S.IN_PROGRESS: S.COMPLETED, S.APPROVED: S.COMPLETED},
    "cancel": {S.PENDING: S.CANCELLED, S.APPROVED: S.CANCELLED, S.IN_PROGRESS: S.CANCELLED},
    "revoke": {S.COMPLETED: S.REVOKED},
}


def take(action: str, enrollment: Enrollment, staff) -> Enrollment:
    if action == "approve":
        return services.enrollment_approve(enrollment=enrollment, actor=staff)
    if action == "reject":
        return services.enrollment_reject(enrollment=enrollment, actor=staff, reason="not eligible")
    if action == "start":
        return services.enrollment_start(enrollment=enrollment, actor=enrollment.user)
    if action == "complete":
        return services.enrollment_complete(enrollment=enrollment, grade=90, actor=staff)
    if action == "cancel":
        return services.enrollment_cancel(enrollment=enrollment, actor=staff, reason="withdrew")
    return services.enrollment_revoke(enrollment=enrollment, actor=staff, reason="chargeback")


def fresh(enrollment: Enrollment) -> Enrollment:
    # The state field is protected: read a new instance instead of refresh_from_db().
    return Enrollment.objects.get(pk=enrollment.pk)


CASES = [(action, source) for action in LEGAL for source in S.values]


@pytest.mark.parametrize(("action", "source"), CASES)
def test_each_transition_is_taken_from_its_sources_and_refused_from_every_other(action, source):
    staff = StaffFactory()
    enrollment = EnrollmentFactory(state=source)
    target = LEGAL[action].get(source)

    if target is None:
        with pytest.raises(LmsConflict) as refused:
            take(action, enrollment, staff)
        assert refused.value.field == "state"
        assert fresh(enrollment).state == source
        assert not EnrollmentTransition.objects.filter(enrollment=enrollment).exists()
    else:
        take(action, enrollment, staff)
        assert fresh(enrollment).state == target
        log = list(EnrollmentTransition.objects.filter(enrollment=enrollment))
        assert log[0].source_state == source
        assert log[-1].target_state == target
        assert all(row.actor_id in {staff.pk, enrollment.user_id} for row in log)


def test_the_log_records_a_whole_life_from_request_to_revocation():
    staff = StaffFactory()
    enrollment = EnrollmentFactory()

    services.enrollment_approve(enrollment=enrollment, actor=staff)
    services.enrollment_start(enrollment=enrollment, actor=enrollment.user)
    services.enrollment_complete(enrollment=enrollment, grade=88, actor=staff)
    services.enrollment_revoke(enrollment=enrollment, system="refund", reason="refunded")

    log = [
        (t.name, t.source_state, t.target_state, t.actor_label, t.reason)
        for t in EnrollmentTransition.objects.filter(enrollment=enrollment)
    ]
    assert log == [
        ("approve", "pending", "approved", str(staff), ""),
        ("start", "approved", "in_progress", str(enrollment.user), ""),
        ("complete", "in_progress", "completed", str(staff), "grade 88"),
        ("revoke", "completed", "revoked", "refund", "refunded"),
    ]
    assert all(t.occurred_at for t in EnrollmentTransition.objects.all())


def test_the_state_cannot_be_set_by_hand():
    enrollment = EnrollmentFactory()

    with pytest.raises(AttributeError):
        enrollment.state = Enrollment.State.APPROVED


def test_approving_and_rejecting_need_the_staff_permission():
    clerk = StaffFactory(permissions=["view_enrollment"])
    enrollment = EnrollmentFactory()

    with pytest.raises(LmsPermissionDenied):
        services.enrollment_approve(enrollment=enrollment, actor=clerk)
    with pytest.raises(LmsPermissionDenied):
        services.enrollment_reject(enrollment=enrollment, actor=clerk, reason="no")
    assert fresh(enrollment).state == Enrollment.State.PENDING


def test_only_the_learner_starts_their_course():
    enrollment = EnrollmentFactory(state=Enrollment.State.APPROVED)

    with pytest.raises(LmsPermissionDenied):
        services.enrollment_start(enrollment=enrollment, actor=UserFactory())


def test_a_stale_copy_cannot_overwrite_a_transition_taken_meanwhile():
    staff = StaffFactory()
    enrollment = EnrollmentFactory()
    stale = Enrollment.objects.get(pk=enrollment.pk)
    services.enrollment_reject(enrollment=enrollment, actor=staff, reason="duplicate purchase")

    with pytest.raises(LmsConflict) as conflict:
        services.enrollment_approve(enrollment=stale, actor=staff)

    assert conflict.value.code == "concurrent_change"
    assert fresh(enrollment).state == Enrollment.State.REJECTED
    assert EnrollmentTransition.objects.filter(enrollment=enrollment).count() == 1


def test_rejecting_cancelling_and_revoking_need_a_reason():
    staff = StaffFactory()
    enrollment = EnrollmentFactory()

    with pytest.raises(LmsError) as missing:
        services.enrollment_reject(enrollment=enrollment, actor=staff, reason="  ")

    assert missing.value.field == "reason"
    assert fresh(enrollment).state == Enrollment.State.PENDING


def test_a_grade_below_the_passing_grade_does_not_complete():
    staff = StaffFactory()
    enrollment = EnrollmentFactory(state=Enrollment.State.IN_PROGRESS, course__passing_grade=70)

    with pytest.raises(LmsError) as low:
        services.enrollment_complete(enrollment=enrollment, grade=69, actor=staff)

    assert low.value.field == "grade"
    assert "passing grade of 70" in low.value.message
    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS


def test_a_grade_that_is_not_a_whole_number_from_0_to_100_is_refused():
    staff = StaffFactory()
    enrollment = EnrollmentFactory(state=Enrollment.State.IN_PROGRESS, course__passing_grade=0)

    for grade in (-1, 101, True, "90", 90.0):
        with pytest.raises(LmsError) as refused:
            services.enrollment_complete(enrollment=enrollment, grade=grade, actor=staff)
        assert (refused.value.field, refused.value.message) == (
            "grade",
            "must be a whole number from 0 to 100",
        )
    assert fresh(enrollment).state == Enrollment.State.IN_PROGRESS


def test_a_full_course_refuses_another_approval():
    staff = StaffFactory()
    seated = EnrollmentFactory(state=Enrollment.State.APPROVED, course__capacity=1)
    waiting = EnrollmentFactory(course=seated.course)

    with pytest.raises(LmsConflict) as full:
        services.enrollment_approve(enrollment=waiting, actor=staff)

    assert "full" in full.value.message
    assert fresh(waiting).state == Enrollment.State.PENDING


def test_an_archived_course_cannot_approve_its_pending_enrollments():
    staff = StaffFactory()
    enrollment = EnrollmentFactory(course__status="archived")

    with pytest.raises(LmsConflict, match="conditions"):
        services.enrollment_approve(enrollment=enrollment, actor=staff)
