import pytest

from lms import api
from lms.tests.factories import CourseFactory, CourseInstructorFactory


@pytest.mark.django_db
def test_course_instructor_ids_lists_the_assigned_instructors_in_one_query(
    django_assert_num_queries,
):
    course = CourseFactory()
    first = CourseInstructorFactory(course=course).instructor
    second = CourseInstructorFactory(course=course).instructor
    CourseInstructorFactory()  # another course's

    with django_assert_num_queries(1):
        ids = api.course_instructor_ids(course_id=course.public_id)

    assert ids == (first.public_id, second.public_id)


@pytest.mark.django_db
def test_an_unknown_course_has_no_instructors():
    assert api.course_instructor_ids(course_id="crs_unknown") == ()


@pytest.mark.django_db
def test_purchased_enrollments_lists_those_with_an_order_item_in_one_query(
    django_assert_num_queries,
):
    from lms.tests.factories import EnrollmentFactory

    bought = EnrollmentFactory.create_batch(3)
    EnrollmentFactory(external_order_id=None, external_order_item_id=None)  # staff-made

    with django_assert_num_queries(1):
        found = api.purchased_enrollments()

    assert [(e.enrollment_id, e.order_item_id, e.status) for e in found] == [
        (e.public_id, e.external_order_item_id, "pending") for e in bought
    ]
