"""Threads and posts; which instructor replies count as interactions."""

import pytest

from lms import services
from lms.errors import LmsError, LmsPermissionDenied
from lms.models import Post, Thread
from lms.tests.factories import LessonFactory, UserFactory, teaching_enrollment

pytestmark = pytest.mark.django_db


def test_a_learner_starts_a_thread_that_waits_for_a_reply():
    enrollment = teaching_enrollment()

    thread = services.thread_start(
        course=enrollment.course, actor=enrollment.user, title="Stuck", body="Help with step 2?"
    )

    assert thread.awaiting_reply
    assert [p.body for p in thread.posts.all()] == ["Help with step 2?"]


def test_the_instructors_reply_in_their_learners_thread_is_one_interaction(published):
    enrollment = teaching_enrollment()
    thread = services.thread_start(
        course=enrollment.course, actor=enrollment.user, title="Stuck", body="Help?"
    )

    post = services.thread_reply(thread=thread, actor=enrollment.instructor, body="Try this.")

    [interaction] = published.of("instructor.interaction_recorded")
    assert (interaction.kind, interaction.amount) == ("discussion-reply", 1)
    assert interaction.enrollment_id == enrollment.public_id
    assert interaction.instructor_id == enrollment.instructor.public_id
    assert not Thread.objects.get(pk=thread.pk).awaiting_reply
    assert post.author == enrollment.instructor


def test_a_reply_addressed_to_a_learner_counts_for_that_learner(published):
    enrollment = teaching_enrollment()
    instructor = enrollment.instructor
    thread = services.thread_start(
        course=enrollment.course, actor=instructor, title="Week 1", body="Questions here."
    )

    services.thread_reply(thread=thread, actor=instructor, body="Anyone?")
    services.thread_reply(
        thread=thread, actor=instructor, body="Good point.", addressed_to=enrollment.user
    )

    [interaction] = published.of("instructor.interaction_recorded")
    assert interaction.enrollment_id == enrollment.public_id


def test_replies_that_are_not_an_instructor_answering_their_learner_publish_nothing(published):
    enrollment = teaching_enrollment()
    classmate = teaching_enrollment(course=enrollment.course)
    thread = services.thread_start(
        course=enrollment.course, actor=enrollment.user, title="Stuck", body="Help?"
    )

    services.thread_reply(thread=thread, actor=classmate.user, body="Me too.")
    # The classmate's instructor teaches the course but not this learner.
    services.thread_reply(thread=thread, actor=classmate.instructor, body="Look at step 1.")
    services.thread_reply(thread=thread, actor=enrollment.user, body="Thanks!")

    assert published.of("instructor.interaction_recorded") == []
    assert Thread.objects.get(pk=thread.pk).awaiting_reply


def test_outsiders_take_no_part_and_bad_input_names_its_field():
    enrollment = teaching_enrollment()
    thread = services.thread_start(
        course=enrollment.course, actor=enrollment.user, title="Stuck", body="Help?"
    )

    with pytest.raises(LmsPermissionDenied):
        services.thread_start(course=enrollment.course, actor=UserFactory(), title="x", body="y")
    with pytest.raises(LmsPermissionDenied):
        services.thread_reply(thread=thread, actor=UserFactory(), body="Hi")
    for kwargs, field in [
        ({"title": "", "body": "y"}, "title"),
        ({"title": "x", "body": " "}, "body"),
        ({"title": "x", "body": "y", "lesson": LessonFactory()}, "lesson"),
    ]:
        with pytest.raises(LmsError) as error:
            services.thread_start(course=enrollment.course, actor=enrollment.user, **kwargs)
        assert error.value.field == field
    with pytest.raises(LmsError) as error:
        services.thread_reply(
            thread=thread, actor=enrollment.instructor, body="Hi", addressed_to=UserFactory()
        )
    assert error.value.field == "addressedTo"
    assert Thread.objects.count() == 1 and Post.objects.count() == 1
