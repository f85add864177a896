"""My learning and the course page."""

import pytest
from django.urls import reverse

from lms.models import Enrollment, EnrollmentTransition
from lms.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    ModuleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MY_LEARNING = reverse("lms:my_learning")


def test_my_learning_shows_each_state_and_what_happens_next(client):
    learner = UserFactory()
    EnrollmentFactory(user=learner, course__title="Waiting course")
    EnrollmentFactory(user=learner, course__title="Open course", state=Enrollment.State.APPROVED)
    EnrollmentFactory(course__title="Someone else's course")
    client.force_login(learner)

    page = client.get(MY_LEARNING).content.decode()

    assert "Waiting course" in page and "Waiting for approval" in page
    assert "Open course" in page and "start the course whenever you are ready" in page
    assert "Someone else&#x27;s course" not in page


def test_my_learning_needs_a_log_in(client):
    assert client.get(MY_LEARNING).status_code == 302


@pytest.mark.parametrize("rows", [1, 30])
def test_my_learning_costs_the_same_queries_whatever_the_number_of_enrollments(
    client, django_assert_num_queries, rows
):
    learner = UserFactory()
    for _ in range(rows):
        EnrollmentFactory(user=learner, instructor=UserFactory())
    client.force_login(learner)

    # session, user, the enrollments with their joins, whether they teach (for the desk link)
    with django_assert_num_queries(4):
        page = client.get(MY_LEARNING)

    assert page.content.decode().count("data-enrollment=") == rows


def test_the_course_page_is_for_approved_learners_only(client):
    learner = UserFactory()
    pending = EnrollmentFactory(user=learner)
    approved = EnrollmentFactory(user=learner, state=Enrollment.State.APPROVED)
    lesson = LessonFactory(module=ModuleFactory(course=approved.course), title="First steps")
    client.force_login(learner)

    assert client.get(reverse("lms:course", args=[pending.course.slug])).status_code == 404
    page = client.get(reverse("lms:course", args=[approved.course.slug]))
    assert page.status_code == 200
    assert lesson.title in page.content.decode()
    assert client.get(reverse("lms:course", args=[CourseFactory().slug])).status_code == 404


def test_starting_a_course_from_its_page_moves_the_enrollment_to_in_progress(client):
    enrollment = EnrollmentFactory(state=Enrollment.State.APPROVED)
    client.force_login(enrollment.user)

    response = client.post(reverse("lms:start", args=[enrollment.course.slug]))

    assert response.status_code == 302
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.IN_PROGRESS
    assert EnrollmentTransition.objects.get().actor == enrollment.user


@pytest.mark.parametrize("modules", [1, 8])
def test_the_course_page_costs_the_same_queries_whatever_the_curriculum(
    client, django_assert_num_queries, modules
):
    enrollment = EnrollmentFactory(state=Enrollment.State.IN_PROGRESS)
    for _ in range(modules):
        LessonFactory.create_batch(3, module=ModuleFactory(course=enrollment.course))
    client.force_login(enrollment.user)

    # session, user, enrollment with its certificate, lessons with modules, completions, submissions
    with django_assert_num_queries(6):
        page = client.get(reverse("lms:course", args=[enrollment.course.slug]))

    assert page.content.decode().count('class="lesson"') == modules * 3
