"""Submission files that no submission refers to, and their removal.

``submission_submit`` writes the learner's file before its transaction commits (the row must name
a file that exists). When that transaction rolls back, or the process dies before it commits, the
file stays on disk with nothing pointing at it. Django has no hook for a rollback, so a periodic
sweep removes such files once they are old enough that no upload can still be on its way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage
from django.utils import timezone

from lms.models import Submission

SUBMISSIONS_DIRECTORY = "submissions"
DEFAULT_ORPHAN_AGE_SECONDS = 60 * 60
# Names looked up per query, to keep each query's parameter list small on every database.
LOOKUP_BATCH = 500


def submission_orphan_age() -> timedelta:
    return timedelta(
        seconds=getattr(settings, "LMS_SUBMISSION_ORPHAN_AGE_SECONDS", DEFAULT_ORPHAN_AGE_SECONDS)
    )


def submission_files_sweep(*, dry_run: bool = False) -> list[str]:
    """Delete the files under ``MEDIA_ROOT/submissions/`` that no submission refers to and that
    were last written longer ago than ``LMS_SUBMISSION_ORPHAN_AGE_SECONDS`` (an hour by default).

    Younger files are kept: an upload's file is unreferenced until its transaction commits.
    Returns the names of the files deleted (or, with ``dry_run``, that would be).
    """
    storage = Submission._meta.get_field("file").storage
    cutoff = timezone.now() - submission_orphan_age()
    stale = [
        name
        for name in _stored_names(storage, SUBMISSIONS_DIRECTORY)
        if _older(storage, name, cutoff)
    ]
    referenced: set[str] = set()
    for start in range(0, len(stale), LOOKUP_BATCH):
        batch = stale[start : start + LOOKUP_BATCH]
        referenced.update(Submission.objects.filter(file__in=batch).values_list("file", flat=True))
    orphans = [name for name in stale if name not in referenced]
    if not dry_run:
        for name in orphans:
            storage.delete(name)
    return orphans


def _stored_names(storage: Storage, directory: str) -> Iterator[str]:
    if not storage.exists(directory):
        return
    directories, files = storage.listdir(directory)
    for file_name in sorted(files):
        yield f"{directory}/{file_name}"
    for subdirectory in sorted(directories):
        yield from _stored_names(storage, f"{directory}/{subdirectory}")


def _older(storage: Storage, name: str, cutoff: datetime) -> bool:
    try:
        return storage.get_modified_time(name) < cutoff
    except FileNotFoundError:
        return False  # a replaced file, deleted after its replacement committed, meanwhile
