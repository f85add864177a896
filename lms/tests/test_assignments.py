"""Submissions (text and files, checked for type and size), grading and its interaction."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from lms import services
from lms.errors import LmsConflict, LmsError, LmsPermissionDenied
from lms.models import Enrollment, Interaction, Lesson, Submission
from lms.tests.factories import (
    LessonFactory,
    ModuleFactory,
    StaffFactory,
    UserFactory,
    teaching_enrollment,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def assignment():
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course), kind=Lesson.Kind.ASSIGNMENT
    )
    return enrollment, lesson


def submit(enrollment, lesson, **kwargs):
    return services.submission_submit(
        enrollment=enrollment, lesson=lesson, actor=enrollment.user, **kwargs
    )


def test_a_pdf_submission_is_stored_outside_the_code_tree_under_media_root(assignment, media_root):
    enrollment, lesson = assignment

    submission = submit(enrollment, lesson, upload=SimpleUploadedFile("essay.PDF", PDF))

    stored = Path(submission.file.path)
    assert stored.is_relative_to(media_root / "submissions" / enrollment.public_id)
    assert "essay" not in stored.name and stored.suffix == ".pdf"
    assert not stored.is_relative_to(Path(django_settings.BASE_DIR))
    assert stored.read_bytes() == PDF
    assert (submission.file_name, submission.file_content_type, submission.file_size) == (
        "essay.PDF",
        "application/pdf",
        len(PDF),
    )
    assert enrollment.lesson_completions.filter(lesson=lesson).exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("run.exe", b"MZ\x90\x00", "are not accepted"),
        ("essay.pdf", b"MZ\x90\x00 not a pdf at all", "does not look like a .pdf file"),
        ("notes.txt", b"\x00\x01\x02binary", "is not a .txt text file"),
        ("noextension", b"hello", "are not accepted"),
        ("empty.txt", b"", "is empty"),
    ],
)
def test_files_of_the_wrong_type_are_refused_naming_the_file(assignment, name, content, reason):
    enrollment, lesson = assignment

    with pytest.raises(LmsError) as error:
        submit(enrollment, lesson, upload=SimpleUploadedFile(name, content))

    assert error.value.field == "file"
    assert reason in error.value.message
    assert not Submission.objects.exists()
    assert not enrollment.lesson_completions.exists()


def test_a_file_over_the_size_limit_is_refused(assignment, settings, media_root):
    settings.LMS_SUBMISSION_MAX_BYTES = 100
    enrollment, lesson = assignment

    with pytest.raises(LmsError) as error:
        submit(enrollment, lesson, upload=SimpleUploadedFile("big.txt", b"a" * 101))

    assert error.value.field == "file"
    assert "the limit is 100 bytes" in error.value.message
    assert not Submission.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_an_empty_submission_is_refused_naming_the_answer(assignment):
    enrollment, lesson = assignment

    with pytest.raises(LmsError) as error:
        submit(enrollment, lesson, text="   ")

    assert error.value.field == "text"


def test_a_submission_may_be_replaced_until_it_is_graded(assignment):
    enrollment, lesson = assignment
    first = submit(enrollment, lesson, text="Draft")
    second = submit(enrollment, lesson, text="Final answer")
    assert second.pk == first.pk and Submission.objects.get().text == "Final answer"

    services.submission_grade(submission=second, actor=enrollment.instructor, score=50)

    with pytest.raises(LmsConflict):
        submit(enrollment, lesson, text="Too late")


def test_grading_by_the_enrollments_instructor_publishes_one_interaction(assignment, published):
    enrollment, lesson = assignment
    submission = submit(enrollment, lesson, text="Answer")

    services.submission_grade(
        submission=submission, actor=enrollment.instructor, score=40, feedback="Look again."
    )
    # A corrected grade is the same grading, not a second interaction.
    services.submission_grade(submission=submission, actor=enrollment.instructor, score=45)

    [interaction] = published.of("instructor.interaction_recorded")
    assert interaction.kind == "assignment-graded"
    assert interaction.amount == 1
    assert interaction.enrollment_id == enrollment.public_id
    assert interaction.instructor_id == enrollment.instructor.public_id
    assert interaction.order_id == enrollment.external_order_id
    assert interaction.order_item_id == enrollment.external_order_item_id
    assert interaction.interaction_id == Interaction.objects.get().public_id
    graded = Submission.objects.get()
    assert (graded.score, graded.feedback, graded.graded_by) == (45, "", enrollment.instructor)


def test_staff_may_grade_but_it_is_not_the_instructors_interaction(assignment, published):
    enrollment, lesson = assignment
    submission = submit(enrollment, lesson, text="Answer")

    services.submission_grade(submission=submission, actor=StaffFactory(), score=90)

    assert Submission.objects.get().score == 90
    assert published.of("instructor.interaction_recorded") == []


def test_nobody_else_grades_and_scores_must_be_0_to_100(assignment):
    enrollment, lesson = assignment
    submission = submit(enrollment, lesson, text="Answer")
    other_instructor = teaching_enrollment(course=enrollment.course).instructor

    for stranger in (UserFactory(), enrollment.user, other_instructor):
        with pytest.raises(LmsPermissionDenied):
            services.submission_grade(submission=submission, actor=stranger, score=80)
    for score in (-1, 101, True, "80"):
        with pytest.raises(LmsError) as error:
            services.submission_grade(
                submission=submission, actor=enrollment.instructor, score=score
            )
        assert error.value.field == "score"
    assert Submission.objects.get().score is None
    assert not Interaction.objects.exists()


def test_submitting_first_starts_an_approved_enrollment(assignment):
    enrollment, lesson = assignment
    approved = teaching_enrollment(state=Enrollment.State.APPROVED, course=enrollment.course)

    submit(approved, lesson, text="Answer")

    assert Enrollment.objects.get(pk=approved.pk).state == Enrollment.State.IN_PROGRESS


def test_a_replaced_file_is_deleted_once_the_new_one_is_committed(
    assignment, django_capture_on_commit_callbacks
):
    enrollment, lesson = assignment
    first = submit(enrollment, lesson, upload=SimpleUploadedFile("v1.txt", b"first"))
    old_path = Path(first.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        second = submit(enrollment, lesson, upload=SimpleUploadedFile("v2.txt", b"second"))

    assert not old_path.exists()
    assert Path(second.file.path).read_bytes() == b"second"
    assert Submission.objects.get().file_name == "v2.txt"
