"""The sweep of submission files left behind by uploads whose transaction rolled back."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from lms import services
from lms.models import Lesson, Submission
from lms.tasks import submission_files_sweep_task
from lms.tests.factories import LessonFactory, ModuleFactory, teaching_enrollment

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TWO_HOURS = 2 * 60 * 60


class UploadFailedLater(Exception):
    """Something after the upload, in the same transaction, went wrong."""


def submit_file():
    enrollment = teaching_enrollment()
    lesson = LessonFactory(
        module=ModuleFactory(course=enrollment.course), kind=Lesson.Kind.ASSIGNMENT
    )
    return services.submission_submit(
        enrollment=enrollment,
        lesson=lesson,
        actor=enrollment.user,
        upload=SimpleUploadedFile("essay.pdf", PDF),
    )


def submit_file_then_roll_back() -> str:
    with pytest.raises(UploadFailedLater), transaction.atomic():
        name = submit_file().file.name
        raise UploadFailedLater
    return name


def age(media_root: Path, name: str, seconds: int) -> Path:
    path = media_root / name
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_rolled_back_upload_is_swept_and_referenced_or_fresh_files_are_kept(media_root):
    kept = submit_file()
    orphan = submit_file_then_roll_back()
    fresh_orphan = submit_file_then_roll_back()
    old_orphan_path = age(media_root, orphan, TWO_HOURS)
    kept_path = age(media_root, kept.file.name, TWO_HOURS)
    assert not Submission.objects.filter(file=orphan).exists() and old_orphan_path.exists()

    deleted = services.submission_files_sweep()

    assert deleted == [orphan]
    assert not old_orphan_path.exists()
    assert kept_path.read_bytes() == PDF
    assert (media_root / fresh_orphan).exists()
    assert Submission.objects.get().file.name == kept.file.name


def test_a_dry_run_lists_without_deleting(media_root):
    orphan = submit_file_then_roll_back()
    path = age(media_root, orphan, TWO_HOURS)

    assert services.submission_files_sweep(dry_run=True) == [orphan]
    assert path.exists()


def test_the_safety_age_comes_from_the_settings(media_root, settings):
    settings.LMS_SUBMISSION_ORPHAN_AGE_SECONDS = 10 * 60
    orphan = submit_file_then_roll_back()
    age(media_root, orphan, 5 * 60)

    assert services.submission_files_sweep() == []

    age(media_root, orphan, 15 * 60)
    assert services.submission_files_sweep() == [orphan]


def test_nothing_uploaded_yet_sweeps_nothing(media_root):
    assert not (media_root / "submissions").exists()
    assert services.submission_files_sweep() == []


def test_the_task_and_the_command_sweep_and_the_task_is_scheduled(media_root, settings):
    from cadence.celery import app

    first = submit_file_then_roll_back()
    second = submit_file_then_roll_back()
    age(media_root, first, TWO_HOURS)
    age(media_root, second, TWO_HOURS)
    report = StringIO()

    call_command("submission_files_sweep", "--dry-run", stdout=report)
    assert submission_files_sweep_task.apply().get() == 2
    call_command("submission_files_sweep", stdout=report)

    assert f"  {first}" in report.getvalue()
    assert "2 file(s) would be deleted." in report.getvalue()
    assert "0 file(s) deleted." in report.getvalue()
    task = settings.CELERY_BEAT_SCHEDULE["lms.submission-files-sweep"]["task"]
    assert task == submission_files_sweep_task.name
    assert task in app.tasks
