"""The instructor's pages: my learners, submissions to grade, threads waiting for a reply and
live sessions with their attendance."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from lms import selectors, services
from lms.errors import LmsError
from lms.forms import (
    AttendanceCsvForm,
    AttendanceForm,
    FinalGradeForm,
    GradeForm,
    TeachingFilterForm,
)

MAX_CSV_BYTES = 1024 * 1024


class TeachingView(LoginRequiredMixin, TemplateView):
    template_name = "lms/teaching/desk.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            learners=selectors.learners_taught_by(user),
            submissions=list(selectors.submissions_to_grade_by(user)),
            threads=list(selectors.threads_awaiting_reply_from(user)),
            live_sessions=list(selectors.live_sessions_taught_by(user)),
            final_grade_form=FinalGradeForm(),
            **kwargs,
        )


class GradeView(LoginRequiredMixin, View):
    """Grade one submission of a learner the instructor teaches."""

    template_name = "lms/teaching/grade.html"

    def _submission(self, request, submission_id):
        submission = (
            selectors.submissions_readable_by(request.user).filter(public_id=submission_id).first()
        )
        if submission is None or not services.may_grade(
            enrollment=submission.enrollment, user=request.user
        ):
            raise Http404("No such submission among your learners'.")
        return submission

    def get(self, request, submission_id, form=None, status=200):
        submission = self._submission(request, submission_id)
        initial = {"score": submission.score, "feedback": submission.feedback}
        return render(
            request,
            self.template_name,
            {"submission": submission, "form": form or GradeForm(initial=initial)},
            status=status,
        )

    def post(self, request, submission_id):
        submission = self._submission(request, submission_id)
        form = GradeForm(request.POST)
        if form.is_valid():
            try:
                services.submission_grade(
                    submission=submission,
                    actor=request.user,
                    score=form.cleaned_data["score"],
                    feedback=form.cleaned_data["feedback"],
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request, f"Graded {submission.enrollment.user.display_name}'s submission."
                )
                return redirect("lms:teaching")
        return self.get(request, submission_id, form=form, status=400)


class FinalGradeView(LoginRequiredMixin, View):
    def post(self, request, enrollment_id):
        enrollment = (
            selectors.enrollments_readable_by(request.user).filter(public_id=enrollment_id).first()
        )
        if enrollment is None or not services.may_grade(enrollment=enrollment, user=request.user):
            raise Http404("No such enrollment among your learners.")
        form = FinalGradeForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Grade: {form.errors['grade'][0]}")
            return redirect("lms:teaching")
        try:
            services.enrollment_final_grade_set(
                enrollment=enrollment, actor=request.user, grade=form.cleaned_data["grade"]
            )
        except LmsError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Final grade saved for {enrollment.user.display_name}.")
        return redirect("lms:teaching")


class LiveSessionView(LoginRequiredMixin, View):
    """A live session's attendance: typed in per learner, or imported from a CSV file."""

    template_name = "lms/teaching/live_session.html"

    def _lesson(self, request, lesson_id):
        lesson = selectors.live_session_taught_by(user=request.user, lesson_id=lesson_id)
        if lesson is None:
            raise Http404("No such live session among your courses.")
        return lesson

    def get(self, request, lesson_id, form=None, csv_form=None, report=None, status=200):
        lesson = self._lesson(request, lesson_id)
        enrollments = list(selectors.course_learners(lesson.module.course_id))
        context = {
            "lesson": lesson,
            "attendances": selectors.attendance_of(lesson),
            "form": form or AttendanceForm(enrollments=enrollments),
            "csv_form": csv_form or AttendanceCsvForm(),
            "report": report,
            "upcoming": lesson.session_phase(timezone.now()) == "upcoming",
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request, lesson_id):
        lesson = self._lesson(request, lesson_id)
        if "file" in request.FILES:
            return self._import(request, lesson)
        enrollments = list(selectors.course_learners(lesson.module.course_id))
        form = AttendanceForm(request.POST, enrollments=enrollments)
        if form.is_valid():
            enrollment = next(e for e in enrollments if e.pk == form.cleaned_data["enrollment"])
            try:
                services.attendance_record(
                    lesson=lesson,
                    enrollment=enrollment,
                    minutes=form.cleaned_data["minutes"],
                    actor=request.user,
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Attendance saved for {enrollment.user.display_name}.")
                return redirect("lms:live_session", lesson.pk)
        return self.get(request, lesson.pk, form=form, status=400)

    def _import(self, request, lesson):
        csv_form = AttendanceCsvForm(request.POST, request.FILES)
        if csv_form.is_valid():
            upload = csv_form.cleaned_data["file"]
            if upload.size > MAX_CSV_BYTES:
                csv_form.add_error("file", f"is larger than {MAX_CSV_BYTES // 1024} KB")
            else:
                try:
                    text = upload.read().decode("utf-8-sig")
                    report = services.attendance_import(
                        lesson=lesson, actor=request.user, csv_text=text
                    )
                except UnicodeDecodeError:
                    csv_form.add_error("file", "is not UTF-8 text")
                except LmsError as error:
                    csv_form.add_error("file", error.message)
                else:
                    if not report.errors:
                        messages.success(
                            request,
                            f"Imported: {report.recorded} recorded, {report.unchanged} unchanged.",
                        )
                        return redirect("lms:live_session", lesson.pk)
                    return self.get(request, lesson.pk, report=report, status=400)
        return self.get(request, lesson.pk, csv_form=csv_form, status=400)


def _filters(request, courses) -> dict:
    form = TeachingFilterForm(request.GET or None, courses=courses)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return {"form": form, **data}


class GradingQueueView(LoginRequiredMixin, TemplateView):
    """Work waiting for the instructor's grade, oldest first, by course and how long it has
    waited. A fixed number of queries whatever the queue's length."""

    template_name = "lms/teaching/grading.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        courses = selectors.courses_taught_by(user)
        filters = _filters(self.request, courses)
        submissions = selectors.submissions_to_grade_by(user)
        if filters.get("course"):
            submissions = submissions.filter(enrollment__course__public_id=filters["course"])
        if filters.get("waiting"):
            cutoff = timezone.now() - timedelta(days=int(filters["waiting"]))
            submissions = submissions.filter(submitted_at__lte=cutoff)
        now = timezone.now()
        rows = [(submission, now - submission.submitted_at) for submission in submissions]
        return super().get_context_data(form=filters["form"], rows=rows, **kwargs)


class RosterView(LoginRequiredMixin, TemplateView):
    """The instructor's learners with their progress, by course or name."""

    template_name = "lms/teaching/roster.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        courses = selectors.courses_taught_by(user)
        filters = _filters(self.request, courses)
        learners = selectors.learners_taught_by(
            user, course_id=filters.get("course") or "", name=filters.get("q") or ""
        )
        for enrollment in learners:
            total = enrollment.lesson_total or 0
            enrollment.percent = 100 * enrollment.lessons_done // total if total else 0
        return super().get_context_data(form=filters["form"], learners=learners, **kwargs)
