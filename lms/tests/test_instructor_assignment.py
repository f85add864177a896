"""Approval gives the learner an instructor: the LMS owns instructor assignments."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lms import services
from lms.models import Enrollment, EnrollmentInstructorChange
from lms.services.enrollments import ASSIGNED_BY_RULE, NOBODY_TO_ASSIGN
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    EnrollmentFactory,
    StaffFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:lms_enrollmentapproval_changelist")


def instructor_of(enrollment):
    return Enrollment.objects.select_related("instructor").get(pk=enrollment.pk).instructor


def busy(course, instructor, learners: int):
    for _ in range(learners):
        EnrollmentFactory(course=course, instructor=instructor, state=Enrollment.State.IN_PROGRESS)


def test_approval_gives_the_course_instructor_with_the_fewest_active_learners(published):
    course = CourseFactory()
    ada, bea = (CourseInstructorFactory(course=course).instructor for _ in range(2))
    busy(course, ada, 2)
    busy(course, bea, 1)
    # Finished and ended learners do not keep an instructor busy.
    for state in [Enrollment.State.COMPLETED, Enrollment.State.CANCELLED]:
        EnrollmentFactory.create_batch(3, course=course, instructor=bea, state=state)
    staff = StaffFactory()
    enrollment = EnrollmentFactory(course=course)

    services.enrollment_approve(enrollment=enrollment, actor=staff)

    assert instructor_of(enrollment) == bea
    change = EnrollmentInstructorChange.objects.get(enrollment=enrollment)
    assert (change.previous_instructor, change.new_instructor) == (None, bea)
    assert (change.actor, change.reason) == (staff, ASSIGNED_BY_RULE)
    [assigned] = published.of("enrollment.instructor_assigned")
    assert (assigned.enrollment_id, assigned.instructor_id) == (enrollment.public_id, bea.public_id)
    assert (assigned.order_id, assigned.order_item_id) == (
        enrollment.external_order_id,
        enrollment.external_order_item_id,
    )
    assert (assigned.revision, assigned.assigned_by) == (1, staff.public_id)


def test_a_tie_goes_to_the_instructor_given_a_learner_longest_ago():
    course = CourseFactory()
    ada, bea, cy = (CourseInstructorFactory(course=course).instructor for _ in range(3))
    staff = StaffFactory()
    # Each was given one learner, who has since finished: all three have no active learner.
    for instructor, days_ago in [(ada, 1), (bea, 5), (cy, 3)]:
        finished = EnrollmentFactory(course=course, state=Enrollment.State.COMPLETED)
        services.enrollment_instructor_assign(enrollment=finished, instructor=instructor,
                                              actor=staff)  # fmt: skip
        EnrollmentInstructorChange.objects.filter(enrollment=finished).update(
            occurred_at=timezone.now() - timedelta(days=days_ago)
        )
    newcomer = CourseInstructorFactory(course=course).instructor

    first, second = EnrollmentFactory(course=course), EnrollmentFactory(course=course)
    services.enrollment_approve(enrollment=first, actor=staff)
    services.enrollment_approve(enrollment=second, actor=staff)

    # Never given a learner comes first; then the one given a learner longest ago.
    assert (instructor_of(first), instructor_of(second)) == (newcomer, bea)


def test_a_learner_is_never_proposed_as_their_own_instructor():
    course = CourseFactory()
    teaching_learner = CourseInstructorFactory(course=course).instructor
    other = CourseInstructorFactory(course=course).instructor
    busy(course, other, 3)
    enrollment = EnrollmentFactory(course=course, user=teaching_learner)

    services.enrollment_approve(enrollment=enrollment, actor=StaffFactory())

    assert instructor_of(enrollment) == other


def test_the_instructor_the_request_named_is_kept_and_staff_may_choose_another():
    course = CourseFactory()
    # The rule would pick the idle instructor; the named one and staff's choice win over it.
    ada, _idle = (CourseInstructorFactory(course=course).instructor for _ in range(2))
    busy(course, ada, 5)
    named = EnrollmentFactory(course=course, instructor=ada)
    chosen = EnrollmentFactory(course=course)

    services.enrollment_approve(enrollment=named, system=services.AUTO_APPROVAL)
    services.enrollment_approve(enrollment=chosen, actor=StaffFactory(), instructor=ada)

    assert instructor_of(named) == ada
    assert not EnrollmentInstructorChange.objects.filter(enrollment=named).exists()
    assert instructor_of(chosen) == ada
    assert EnrollmentInstructorChange.objects.get(enrollment=chosen).reason == "chosen on approval"


def test_auto_approval_assigns_an_instructor_too():
    course = CourseFactory(requires_approval=False)
    ada = CourseInstructorFactory(course=course).instructor
    enrollment = EnrollmentFactory(course=course, auto_approve_requested=True)

    services.enrollment_auto_approve(enrollment_pk=enrollment.pk)

    assert instructor_of(enrollment) == ada
    change = EnrollmentInstructorChange.objects.get(enrollment=enrollment)
    assert change.actor_system == services.AUTO_APPROVAL


def test_approving_in_a_course_without_instructors_logs_and_publishes_nobody(published):
    enrollment = EnrollmentFactory()

    services.enrollment_approve(enrollment=enrollment, actor=StaffFactory())

    assert instructor_of(enrollment) is None
    change = EnrollmentInstructorChange.objects.get(enrollment=enrollment)
    assert (change.new_instructor, change.reason) == (None, NOBODY_TO_ASSIGN)
    [nobody] = published.of("enrollment.instructor_assigned")
    assert (nobody.instructor_id, nobody.revision) == (None, 1)


def test_each_later_change_is_published_with_the_next_revision(published):
    course = CourseFactory()
    ada, bea = (CourseInstructorFactory(course=course).instructor for _ in range(2))
    staff = StaffFactory()
    enrollment = EnrollmentFactory(course=course, instructor=ada)

    services.enrollment_approve(enrollment=enrollment, actor=staff)
    services.enrollment_instructor_assign(enrollment=enrollment, instructor=bea, actor=staff)

    [changed] = published.of("enrollment.instructor_assigned")
    assert (changed.previous_instructor_id, changed.instructor_id) == (ada.public_id, bea.public_id)
    assert changed.revision == 1  # the factory's enrollment logged no request-time assignment


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


def test_the_approve_screen_proposes_an_instructor_and_staff_may_pick_another(staff_client):
    course = CourseFactory()
    ada, bea = (CourseInstructorFactory(course=course).instructor for _ in range(2))
    busy(course, ada, 1)
    enrollment = EnrollmentFactory(course=course)
    url = reverse("admin:lms_enrollmentapproval_transition", args=[enrollment.pk, "approve"])

    screen = staff_client.get(url)
    change_page = staff_client.get(reverse("admin:lms_enrollment_change", args=[enrollment.pk]))
    staff_client.post(url, {"instructor": ada.pk})

    assert screen.context["form"]["instructor"].initial == bea
    assert change_page.context["adminform"].form.initial["instructor"] == bea.pk
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.APPROVED
    assert instructor_of(enrollment) == ada


def test_the_queue_warns_of_a_course_without_an_instructor(staff_client):
    orphan = EnrollmentFactory(course__title="Nobody teaches this")
    taught = EnrollmentFactory()
    CourseInstructorFactory(course=taught.course)

    page = staff_client.get(QUEUE).content.decode()

    rows = re.findall(r"<tr.*?</tr>", page, flags=re.DOTALL)
    row_of = {e.public_id: next(r for r in rows if e.public_id in r) for e in (orphan, taught)}
    assert "the course has no instructor" in row_of[orphan.public_id]
    assert "assigned on approval" in row_of[taught.public_id]
    screen = staff_client.get(
        reverse("admin:lms_enrollmentapproval_transition", args=[orphan.pk, "approve"])
    )
    assert "This course has no instructor" in screen.content.decode()


def test_staff_who_may_grade_find_and_grade_the_work_of_a_learner_nobody_teaches(client):
    staff = StaffFactory()
    submission = SubmissionFactory()
    client.force_login(staff)

    desk = client.get(reverse("lms:teaching"))
    graded = client.post(
        reverse("lms:grade", args=[submission.public_id]),
        {"score": 88, "feedback": "Good"},
    )

    assert submission in desk.context["submissions"]
    assert graded.status_code == 302
    assert type(submission).objects.get(pk=submission.pk).score == 88
