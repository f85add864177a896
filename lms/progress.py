"""Where a learner stands in a course: done, next, the grade and what is missing to complete.

A pure function of rows already loaded (lessons, completions, submissions), so that a page, the
API and the completion rule all read the same answer in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lms.models import Course, Enrollment, Lesson, Submission


@dataclass(frozen=True)
class Progress:
    lessons: tuple[Lesson, ...]
    done_ids: frozenset[int]
    next_lesson: Lesson | None
    grade: int | None
    passing_grade: int
    missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.done_ids)

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0

    @property
    def ready_to_complete(self) -> bool:
        """Every required lesson done and a grade at or above the passing grade."""
        return not self.missing


def progress_of(
    *,
    enrollment: Enrollment,
    lessons: list[Lesson],
    done_ids: set[int],
    submissions: list[Submission],
) -> Progress:
    """The learner's progress from the course's lessons (in order), completions and submissions."""
    course = enrollment.course
    missing = [
        f"Attend the live session “{lesson.title}”."
        if lesson.kind == Lesson.Kind.LIVE_SESSION
        else f"Complete the lesson “{lesson.title}”."
        for lesson in lessons
        if lesson.required and lesson.pk not in done_ids
    ]
    grade, grade_missing = _grade(enrollment, course, lessons, submissions)
    missing.extend(grade_missing)
    if grade is not None and grade < course.passing_grade:
        missing.append(
            f"Your grade is {grade}; the course's passing grade is {course.passing_grade}."
        )
    return Progress(
        lessons=tuple(lessons),
        done_ids=frozenset(done_ids),
        next_lesson=next((lesson for lesson in lessons if lesson.pk not in done_ids), None),
        grade=grade,
        passing_grade=course.passing_grade,
        missing=tuple(missing),
    )


def _grade(
    enrollment: Enrollment, course: Course, lessons: list[Lesson], submissions: list[Submission]
) -> tuple[int | None, list[str]]:
    if course.grading_method == Course.GradingMethod.FINAL_GRADE:
        if enrollment.final_grade is None:
            return None, ["Your instructor has not set your final grade yet."]
        return enrollment.final_grade, []
    assignments = [lesson for lesson in lessons if lesson.kind == Lesson.Kind.ASSIGNMENT]
    if not assignments:
        # Nothing is graded in this course: completing the lessons is the whole requirement.
        return 100, []
    by_lesson = {submission.lesson_id: submission for submission in submissions}
    missing = []
    for lesson in assignments:
        submission = by_lesson.get(lesson.pk)
        if submission is None:
            if lesson.required:
                missing.append(f"Submit the assignment “{lesson.title}”.")
        elif not submission.is_graded:
            missing.append(f"Your assignment “{lesson.title}” is waiting for a grade.")
    scores = [s.score for s in submissions if s.is_graded]
    if missing or not scores:
        return None, missing or ["No assignment has been graded yet."]
    average = Decimal(sum(scores)) / len(scores)
    return int(average.quantize(Decimal(1), rounding=ROUND_HALF_UP)), []
