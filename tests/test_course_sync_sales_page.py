"""Course sync brings what the sales page shows to commerce, and the course's name to payouts."""

from __future__ import annotations

import pytest

from commerce.models import CatalogCourse
from lms.models import Course
from lms.services import course_catalogue_refresh, course_publish
from lms.tests.factories import CourseFactory, LessonFactory, ModuleFactory
from payouts.models import CourseName
from tests.lifecycle import deliver_all

pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_and_editing_a_course_reaches_the_sales_page_and_the_statements():
    course = CourseFactory(status=Course.Status.DRAFT, title="Payments", outcomes="Be exact")
    course.content_creator.bio = "Made it."
    course.content_creator.save()
    module = ModuleFactory(course=course, title="Basics")
    lesson = LessonFactory(module=module, title="Welcome", duration_minutes=5, is_preview=True)
    course_publish(course=course)
    deliver_all()

    cached = CatalogCourse.objects.get(lms_course_id=course.public_id)
    assert cached.slug == course.slug and cached.outcomes == ["Be exact"]
    assert cached.outline == [
        {
            "title": "Basics",
            "lessons": [
                {
                    "title": "Welcome",
                    "kind": "Text",
                    "duration_minutes": 5,
                    "preview_url": f"/learning/courses/{course.slug}/preview/{lesson.pk}/",
                }
            ],
        }
    ]
    assert cached.people[0]["bio"] == "Made it." and cached.people[0]["role"] == "creator"
    assert CourseName.objects.get(course_id=course.public_id).title == "Payments"

    LessonFactory(module=module, title="Deeper", duration_minutes=20)
    Course.objects.filter(pk=course.pk).update(title="Payments, exactly")
    course_catalogue_refresh(course=Course.objects.get(pk=course.pk))
    deliver_all()

    cached.refresh_from_db()
    assert [lesson["title"] for lesson in cached.outline[0]["lessons"]] == ["Welcome", "Deeper"]
    assert CourseName.objects.get(course_id=course.public_id).title == "Payments, exactly"
