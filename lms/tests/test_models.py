"""Validation the admin's forms rely on."""

import pytest
from django.core.exceptions import ValidationError

from lms.models import Department, Lesson
from lms.tests.factories import DepartmentFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_a_department_cannot_be_moved_under_its_own_sub_department():
    top = DepartmentFactory()
    middle = DepartmentFactory(parent=top)
    bottom = DepartmentFactory(parent=middle)

    top.parent = bottom
    with pytest.raises(ValidationError) as cycle:
        top.full_clean()

    assert "parent" in cycle.value.message_dict
    leaf = Department.objects.get(pk=bottom.pk)
    leaf.parent = Department.objects.get(pk=top.pk)
    leaf.full_clean()  # moving a leaf up the tree is fine


@pytest.mark.parametrize(
    ("kind", "missing"),
    [(Lesson.Kind.VIDEO, "video_url"), (Lesson.Kind.LIVE_SESSION, "starts_at")],
)
def test_a_lesson_needs_the_content_of_its_kind(kind, missing):
    lesson = LessonFactory.build(module=LessonFactory().module, kind=kind)

    with pytest.raises(ValidationError) as incomplete:
        lesson.full_clean()

    assert list(incomplete.value.message_dict) == [missing]
