"""Connector 1 in the LMS: validation, idempotency per order item, the auto-approval workflow."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from lms import api, services
from lms.data import PendingEnrollmentRequest, PurchaseMetadata
from lms.errors import LmsConflict, LmsError, LmsNotFound
from lms.models import Enrollment, EnrollmentInstructorChange, EnrollmentTransition
from lms.tests.factories import (
    CourseFactory,
    CourseInstructorFactory,
    DepartmentFactory,
    StaffFactory,
    UserFactory,
)


def request_for(user, course, **overrides) -> PendingEnrollmentRequest:
    fields = {
        "external_order_id": "ord_123",
        "external_order_item_id": "oi_456",
        "user_id": user.public_id,
        "course_id": course.public_id,
        "metadata": PurchaseMetadata(
            purchase_date=datetime(2025, 1, 14, 10, tzinfo=UTC),
            amount=Decimal("199.00"),
            currency="USD",
        ),
    }
    return PendingEnrollmentRequest(**(fields | overrides))


@pytest.mark.django_db
def test_a_request_creates_a_pending_enrollment_with_its_purchase(published):
    user, course = UserFactory(), CourseFactory()

    receipt = api.enrollment_request(request_for(user, course))

    enrollment = Enrollment.objects.get()
    assert receipt.enrollment_id == enrollment.public_id
    assert (receipt.status, receipt.created) == ("pending", True)
    assert receipt.message == "Enrollment created, pending approval"
    assert (enrollment.user, enrollment.course) == (user, course)
    assert (enrollment.purchase_amount_minor, enrollment.purchase_currency) == (19900, "USD")
    assert enrollment.source == Enrollment.Source.COMMERCE
    request_log = EnrollmentTransition.objects.get(enrollment=enrollment)
    assert (request_log.source_state, request_log.target_state) == ("", "pending")
    [requested] = published.of("enrollment.requested")
    assert (requested.order_id, requested.order_item_id) == ("ord_123", "oi_456")


@pytest.mark.django_db
def test_enrollment_request_is_idempotent_per_order_item(published):
    user, course = UserFactory(), CourseFactory()

    first = api.enrollment_request(request_for(user, course))
    again = api.enrollment_request(request_for(user, course))

    assert again.enrollment_id == first.enrollment_id
    assert again.created is False
    assert Enrollment.objects.count() == 1
    assert len(published.of("enrollment.requested")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("changed", ["user", "course"])
def test_the_same_order_item_for_another_user_or_course_is_a_conflict(changed):
    user, course = UserFactory(), CourseFactory()
    api.enrollment_request(request_for(user, course))
    other = {"user": UserFactory(), "course": CourseFactory()}
    second = request_for(
        other["user"] if changed == "user" else user,
        other["course"] if changed == "course" else course,
    )

    with pytest.raises(LmsConflict) as conflict:
        api.enrollment_request(second)

    assert conflict.value.field == "externalOrderItemId"
    assert conflict.value.status_code == 409
    assert Enrollment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("breakage", "field", "status"),
    [
        ({"user_id": "usr_unknown"}, "userId", 404),
        ({"course_id": "crs_unknown"}, "courseId", 404),
        ({"course": "draft"}, "courseId", 400),
        ({"course": "archived"}, "courseId", 400),
        ({"instructor_id": "not-an-instructor"}, "instructorId", 400),
        ({"external_order_id": ""}, "externalOrderId", 400),
        ({"external_order_item_id": "  "}, "externalOrderItemId", 400),
        ({"approval_status": "approved"}, "approvalStatus", 400),
        ({"amount": Decimal("199.001")}, "metadata.amount", 400),
        ({"currency": "XXX"}, "metadata.currency", 400),
        ({"purchase_date": datetime(2025, 1, 14)}, "metadata.purchaseDate", 400),
    ],
)
def test_bad_requests_name_the_field_and_create_nothing(breakage, field, status, published):
    breakage = dict(breakage)
    user = UserFactory()
    course = CourseFactory(status=breakage.pop("course", "published"))
    instructor = CourseInstructorFactory(course=course).instructor
    if breakage.get("instructor_id") == "not-an-instructor":
        breakage["instructor_id"] = UserFactory().public_id
    metadata = {
        key: breakage.pop(key) for key in ["amount", "currency", "purchase_date"] if key in breakage
    }
    request = request_for(
        user,
        course,
        metadata=PurchaseMetadata(**({"amount": Decimal("199.00"), "currency": "USD"} | metadata)),
        **({"instructor_id": instructor.public_id} | breakage),
    )

    with pytest.raises(LmsError) as refused:
        api.enrollment_request(request)

    assert refused.value.field == field
    assert refused.value.status_code == status
    assert refused.value.message
    assert not Enrollment.objects.exists()
    assert not EnrollmentTransition.objects.exists()
    assert published == []


@pytest.mark.django_db
def test_an_unknown_user_is_a_not_found_error():
    with pytest.raises(LmsNotFound, match="no user has the id 'usr_nobody'"):
        api.enrollment_request(
            request_for(UserFactory.build(public_id="usr_nobody"), CourseFactory())
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("refusal", "field", "for_good"),
    [
        ("archived course", "courseId", True),
        ("draft course", "courseId", True),
        ("deactivated user", "userId", True),
        ("unknown course", "courseId", False),
        ("unknown user", "userId", False),
        ("not an instructor", "instructorId", False),
    ],
)
def test_only_an_unavailable_course_or_a_deactivated_user_is_refused_for_good(
    refusal, field, for_good
):
    user = UserFactory(is_active=refusal != "deactivated user")
    status = {"archived course": "archived", "draft course": "draft"}.get(refusal, "published")
    course = CourseFactory(status=status)
    overrides = {
        "unknown course": {"course_id": "crs_nowhere"},
        "unknown user": {"user_id": "usr_nobody"},
        "not an instructor": {"instructor_id": UserFactory().public_id},
    }.get(refusal, {})

    with pytest.raises(LmsError) as refused:
        api.enrollment_request(request_for(user, course, **overrides))

    assert refused.value.field == field
    assert (refused.value.code in api.ENROLLMENT_REFUSED_FOR_GOOD) is for_good
    assert refused.value.status_code == (404 if refusal.startswith("unknown") else 400)
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_the_requested_instructor_is_assigned_and_the_assignment_logged():
    assignment = CourseInstructorFactory()
    request = request_for(
        UserFactory(), assignment.course, instructor_id=assignment.instructor.public_id
    )

    api.enrollment_request(request)

    enrollment = Enrollment.objects.get()
    assert enrollment.instructor == assignment.instructor
    change = EnrollmentInstructorChange.objects.get(enrollment=enrollment)
    assert (change.previous_instructor, change.new_instructor) == (None, assignment.instructor)


@pytest.mark.django_db
def test_a_learner_cannot_be_their_own_instructor():
    assignment = CourseInstructorFactory()
    own = request_for(
        assignment.instructor, assignment.course, instructor_id=assignment.instructor.public_id
    )

    with pytest.raises(LmsError) as refused:
        api.enrollment_request(own)

    assert refused.value.field == "instructorId"
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_staff_cannot_make_a_learner_their_own_instructor():
    assignment = CourseInstructorFactory()
    enrollment = services.enrollment_enroll(
        user=assignment.instructor, course=assignment.course, actor=StaffFactory()
    )

    with pytest.raises(LmsError) as refused:
        services.enrollment_instructor_assign(
            enrollment=enrollment, instructor=assignment.instructor, system="staff"
        )

    assert refused.value.field == "instructor"
    assert Enrollment.objects.get().instructor is None
    assert not EnrollmentInstructorChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("requires_approval", "department_pre_approved", "parent_pre_approved", "expected"),
    [
        (False, False, False, "approved"),
        (True, True, False, "approved"),
        (True, False, True, "approved"),
        (True, False, False, "pending"),
    ],
)
def test_auto_approve_runs_after_commit_and_approves_only_when_allowed(
    django_capture_on_commit_callbacks,
    published,
    requires_approval,
    department_pre_approved,
    parent_pre_approved,
    expected,
):
    parent = DepartmentFactory(pre_approved=parent_pre_approved)
    department = DepartmentFactory(parent=parent, pre_approved=department_pre_approved)
    user = UserFactory(department=department)
    course = CourseFactory(requires_approval=requires_approval)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receipt = api.enrollment_request(request_for(user, course, auto_approve=True))
    # Nothing happens before commit: the receipt says pending, and so does the database.
    assert receipt.status == "pending"
    assert Enrollment.objects.get().state == "pending"
    assert callbacks

    for _ in range(2):  # the auto-approval task delivered twice has one effect
        for callback in callbacks:
            callback()

    enrollment = Enrollment.objects.get()
    assert enrollment.state == expected
    approvals = published.of("enrollment.approved")
    if expected == "approved":
        [approved] = approvals
        assert approved.approved_by == "auto-approval"
        assert (approved.order_id, approved.order_item_id) == ("ord_123", "oi_456")
        assert approved.status == "approved"
        assert EnrollmentTransition.objects.get(name="approve").actor_system == "auto-approval"
    else:
        assert approvals == []


@pytest.mark.django_db
def test_without_auto_approve_nothing_is_scheduled(monkeypatch, django_capture_on_commit_callbacks):
    scheduled = []
    monkeypatch.setattr("lms.tasks.enrollments_auto_approve_task.delay", scheduled.append)
    with django_capture_on_commit_callbacks(execute=True):
        api.enrollment_request(request_for(UserFactory(), CourseFactory(requires_approval=False)))

    assert scheduled == []
    assert Enrollment.objects.get().state == "pending"


@pytest.mark.django_db
def test_an_auto_approve_request_that_staff_must_review_schedules_nothing(
    monkeypatch, django_capture_on_commit_callbacks
):
    scheduled = []
    monkeypatch.setattr("lms.tasks.enrollments_auto_approve_task.delay", scheduled.append)
    user = UserFactory()
    reviewed, free = CourseFactory(requires_approval=True), CourseFactory(requires_approval=False)
    with django_capture_on_commit_callbacks(execute=True):
        api.enrollment_requests(
            [
                request_for(user, reviewed, external_order_item_id="oi_1", auto_approve=True),
                request_for(user, free, external_order_item_id="oi_2", auto_approve=True),
            ]
        )
        # A repeat asks again only for the one the workflow may approve.
        api.enrollment_request(
            request_for(user, reviewed, external_order_item_id="oi_1", auto_approve=True)
        )

    free_pk = Enrollment.objects.get(course=free).pk
    assert scheduled == [[free_pk]]
    assert Enrollment.objects.get(course=free).state == "pending"  # the task did not run


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_identical_requests_create_one_enrollment():
    user, course = UserFactory(), CourseFactory()
    request = request_for(user, course)
    barrier = threading.Barrier(5)
    receipts, errors = [], []

    def send():
        try:
            barrier.wait()
            receipts.append(api.enrollment_request(request))
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Enrollment.objects.count() == 1
    assert {r.enrollment_id for r in receipts} == {Enrollment.objects.get().public_id}
    assert sorted(r.created for r in receipts) == [False, False, False, False, True]
    assert EnrollmentTransition.objects.count() == 1
    assert api.enrollment_request(request).enrollment_id == receipts[0].enrollment_id


# --- the items of one order at once --------------------------------------------------------------


@pytest.mark.django_db
def test_an_orders_requests_are_answered_in_order_each_as_it_would_be_alone(published):
    user, teacher = UserFactory(), UserFactory()
    first, second, archived = CourseFactory(), CourseFactory(), CourseFactory(status="archived")
    CourseInstructorFactory(course=second, instructor=teacher)
    already = api.enrollment_request(request_for(user, first, external_order_item_id="oi_1"))
    requests = [
        request_for(user, first, external_order_item_id="oi_1"),  # a repeat
        request_for(user, second, external_order_item_id="oi_2", instructor_id=teacher.public_id),
        request_for(user, archived, external_order_item_id="oi_3"),
        request_for(UserFactory(), first, external_order_item_id="oi_1"),  # another user's key
        request_for(user, second, external_order_item_id="oi_4", auto_approve=True),
    ]

    answers = api.enrollment_requests(requests)

    assert answers[0].enrollment_id == already.enrollment_id and answers[0].created is False
    assert answers[1].created is True and answers[4].created is True
    assert isinstance(answers[2], LmsError) and answers[2].code == "unavailable"
    assert isinstance(answers[3], LmsConflict) and answers[3].field == "externalOrderItemId"
    made = Enrollment.objects.get(public_id=answers[1].enrollment_id)
    assert (made.user, made.course, made.instructor) == (user, second, teacher)
    assert (made.purchase_amount_minor, made.external_order_item_id) == (19900, "oi_2")
    assert EnrollmentTransition.objects.filter(enrollment=made, name="request").exists()
    assert EnrollmentInstructorChange.objects.filter(enrollment=made).count() == 1
    assert Enrollment.objects.get(public_id=answers[4].enrollment_id).auto_approve_requested
    # The one request alone published its enrollment.requested; the order's new enrollments
    # are one order_enrollments.requested, each inside as it would have been published alone.
    assert [e.order_item_id for e in published.of("enrollment.requested")] == ["oi_1"]
    [together] = published.of("order_enrollments.requested")
    assert (together.order_id, together.user_id) == ("ord_123", user.public_id)
    assert [e.order_item_id for e in together.enrollments] == ["oi_2", "oi_4"]
    assert [e.enrollment_id for e in together.enrollments] == [
        answers[1].enrollment_id,
        answers[4].enrollment_id,
    ]
    assert together.enrollments[0].instructor_id == teacher.public_id
    assert len(set(together.enrollment_event_ids)) == 2
    assert Enrollment.objects.count() == 3


@pytest.mark.django_db
def test_an_orders_requests_read_the_same_whatever_the_number_of_items():
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    courses = [CourseFactory() for _ in range(4)]

    def writes_and_reads(items: list) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            answers = api.enrollment_requests(items)
        assert all(answer.created for answer in answers)
        return [q["sql"] for q in captured]

    one = writes_and_reads([request_for(user, courses[0], external_order_item_id="oi_a")])
    three = writes_and_reads(
        [
            request_for(user, course, external_order_item_id=f"oi_b{n}", external_order_id="o2")
            for n, course in enumerate(courses[1:])
        ]
    )

    assert len(one) == len(three)


@pytest.mark.django_db
def test_an_item_a_concurrent_request_made_first_is_answered_as_a_repeat(monkeypatch, published):
    """The twin's enrollment is made between the batch's read and its insert: the insert leaves
    it out (no savepoint, no failure), the others are made, nothing doubles."""
    from lms.services import enrollments

    user = UserFactory()
    first, second = CourseFactory(), CourseFactory()
    requests = [
        request_for(user, first, external_order_item_id="oi_1"),
        request_for(user, second, external_order_item_id="oi_2"),
    ]
    real_validated = enrollments._validated_fields
    twins = []

    def twin_first(request, **kwargs):
        if kwargs and not twins:  # the batch's own check: the twin comes in meanwhile
            monkeypatch.setattr(enrollments, "_validated_fields", real_validated)
            twins.append(api.enrollment_request(requests[1]))
        return real_validated(request, **kwargs)

    monkeypatch.setattr(enrollments, "_validated_fields", twin_first)
    answers = api.enrollment_requests(requests)

    [twin] = twins
    assert (answers[0].created, answers[1].created) == (True, False)
    assert answers[1].enrollment_id == twin.enrollment_id
    assert Enrollment.objects.count() == 2
    assert EnrollmentTransition.objects.filter(name="request").count() == 2
    [together] = published.of("order_enrollments.requested")
    assert [e.order_item_id for e in together.enrollments] == ["oi_1"]
    assert [e.order_item_id for e in published.of("enrollment.requested")] == ["oi_2"]


@pytest.mark.django_db
def test_an_orders_auto_approvals_walk_the_departments_once(monkeypatch, published):
    """Whether a department waives review is asked once for an order's items, not per item."""
    from lms.services import enrollments

    parent = DepartmentFactory(pre_approved=True)
    user = UserFactory(department=DepartmentFactory(parent=parent))
    courses = [CourseFactory(requires_approval=True) for _ in range(3)]
    asked = []
    real = enrollments.department_waives_review
    monkeypatch.setattr(
        enrollments, "department_waives_review", lambda d: asked.append(d) or real(d)
    )

    api.enrollment_requests(
        [
            request_for(user, course, external_order_item_id=f"oi_{n}", auto_approve=True)
            for n, course in enumerate(courses)
        ]
    )

    assert asked == [user.department_id]
