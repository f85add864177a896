"""The learner's pages: the course player, lessons, assignments, discussions and certificates."""

from __future__ import annotations

from itertools import groupby

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.generic import TemplateView

from lms import selectors, services
from lms.certificate_pdf import certificate_pdf
from lms.errors import LmsError
from lms.forms import ReplyForm, SubmissionForm, ThreadForm
from lms.models import Enrollment, Lesson, Submission, User
from lms.video import EMBED_ORIGINS


def _enrollment(user: User, slug: str) -> Enrollment:
    enrollment = selectors.enrollment_for_course_page(user=user, slug=slug)
    if enrollment is None:
        raise Http404("You are not enrolled in this course, or not yet approved.")
    return enrollment


def _modules(lessons: list[Lesson]) -> list[tuple]:
    """Lessons grouped by module, in order: [(module, [lesson, …]), …]."""
    return [(module, list(group)) for module, group in groupby(lessons, key=lambda x: x.module)]


class CourseView(LoginRequiredMixin, TemplateView):
    """The course player: modules and lessons, what is done and next, the progress bar, and
    what is still missing to complete. A fixed number of queries whatever the curriculum."""

    template_name = "lms/course.html"

    def get_context_data(self, slug, **kwargs):
        enrollment = _enrollment(self.request.user, slug)
        progress = selectors.progress_for(enrollment)
        return super().get_context_data(
            enrollment=enrollment,
            course=enrollment.course,
            progress=progress,
            modules=_modules(list(progress.lessons)),
            certificate=getattr(enrollment, "certificate", None),
            **kwargs,
        )


class CourseStartView(LoginRequiredMixin, View):
    """The "Start" button: an approved enrollment moves to in progress, then the learner goes
    to the lesson they started from, or else the first lesson not done."""

    def post(self, request, slug):
        enrollment = _enrollment(request.user, slug)
        try:
            services.enrollment_start(enrollment=enrollment, actor=request.user)
        except LmsError as error:
            messages.error(request, error.message)
            return redirect(reverse("lms:course", args=[slug]))
        lesson = _lesson_asked(enrollment, request.POST.get("lesson", ""))
        if lesson is None:
            lesson = selectors.progress_for(enrollment).next_lesson
        if lesson is None:
            return redirect(reverse("lms:course", args=[slug]))
        return redirect("lms:lesson", slug, lesson.pk)


def _lesson_asked(enrollment: Enrollment, value: str) -> Lesson | None:
    if not value.isdigit():
        return None
    return selectors.lesson_of_course(enrollment=enrollment, lesson_id=int(value))


# The lesson pages embed YouTube's and Vimeo's privacy-enhanced players, and no other frame.
embeds_videos = method_decorator(csp_replace({"frame-src": EMBED_ORIGINS}), name="dispatch")


def _lesson_page(request, slug: str, lesson_id: int, form=None, status: int = 200):
    """The course player: the outline with ticks beside the lesson, its video, resources, work
    and questions, and the way to the previous and next lessons."""
    enrollment = _enrollment(request.user, slug)
    lessons = selectors.course_lessons(enrollment.course_id)
    lesson = next((x for x in lessons if x.pk == lesson_id), None)
    if lesson is None:
        raise Http404("No such lesson in this course.")
    progress = selectors.progress_for(enrollment, lessons)
    services.lesson_opened(enrollment=enrollment, lesson=lesson, actor=request.user)
    index = lessons.index(lesson)
    context = {
        "modules": _modules(lessons),
        "resources": selectors.lesson_resources(lesson.pk),
        "enrollment": enrollment,
        "course": enrollment.course,
        "lesson": lesson,
        "progress": progress,
        "done": lesson.pk in progress.done_ids,
        "previous_lesson": lessons[index - 1] if index > 0 else None,
        "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        "submission": selectors.submissions_readable_by(request.user)
        .filter(enrollment=enrollment, lesson=lesson)
        .first(),
        "form": form or SubmissionForm(),
        "threads": list(selectors.threads_of_course(enrollment.course).filter(lesson=lesson)),
        "open": enrollment.state in (Enrollment.State.APPROVED, Enrollment.State.IN_PROGRESS),
        "session_phase": lesson.session_phase(timezone.now()),
    }
    return render(request, "lms/lesson.html", context, status=status)


@embeds_videos
class LessonView(LoginRequiredMixin, View):
    """One lesson. Reading it changes nothing: an approved enrollment starts by the "Start"
    button or the first lesson completion, both POSTs."""

    def get(self, request, slug, lesson_id):
        return _lesson_page(request, slug, lesson_id)


class LessonCompleteView(LoginRequiredMixin, View):
    def post(self, request, slug, lesson_id):
        enrollment, lesson = _enrollment_and_lesson(request.user, slug, lesson_id)
        try:
            services.lesson_complete(enrollment=enrollment, lesson=lesson, actor=request.user)
        except LmsError as error:
            messages.error(request, error.message)
            return redirect("lms:lesson", slug, lesson_id)
        return _after_progress(request, slug)


class LiveSessionCheckInView(LoginRequiredMixin, View):
    """The learner checks in to a live session while it is on; that is their attendance."""

    def post(self, request, slug, lesson_id):
        enrollment, lesson = _enrollment_and_lesson(request.user, slug, lesson_id)
        try:
            services.live_session_check_in(enrollment=enrollment, lesson=lesson, actor=request.user)
        except LmsError as error:
            messages.error(request, error.message)
            return redirect("lms:lesson", slug, lesson_id)
        messages.success(request, f"You are checked in to “{lesson.title}”.")
        return _after_progress(request, slug)


@embeds_videos
class PreviewView(View):
    """A free preview lesson of a published course, open to anyone from its sales page."""

    def get(self, request, slug, lesson_id):
        lesson = selectors.preview_lesson(slug=slug, lesson_id=lesson_id)
        if lesson is None:
            raise Http404("No such preview lesson.")
        context = {
            "lesson": lesson,
            "course": lesson.module.course,
            "resources": selectors.lesson_resources(lesson.pk),
        }
        return render(request, "lms/preview.html", context)


def _enrollment_and_lesson(user, slug, lesson_id):
    enrollment = _enrollment(user, slug)
    lesson = selectors.lesson_of_course(enrollment=enrollment, lesson_id=lesson_id)
    if lesson is None:
        raise Http404("No such lesson in this course.")
    return enrollment, lesson


def _after_progress(request, slug):
    enrollment = _enrollment(request.user, slug)
    if enrollment.state == Enrollment.State.COMPLETED:
        messages.success(request, "You completed the course. Your certificate is ready.")
        return redirect("lms:course", slug)
    progress = selectors.progress_for(enrollment)
    if progress.next_lesson is not None:
        return redirect("lms:lesson", slug, progress.next_lesson.pk)
    return redirect("lms:course", slug)


@embeds_videos
class SubmissionSubmitView(LoginRequiredMixin, View):
    def post(self, request, slug, lesson_id):
        enrollment, lesson = _enrollment_and_lesson(request.user, slug, lesson_id)
        form = SubmissionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.submission_submit(
                    enrollment=enrollment,
                    lesson=lesson,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    upload=form.cleaned_data["file"],
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Assignment submitted. Your instructor will grade it.")
                return redirect("lms:lesson", slug, lesson_id)
        return _lesson_page(request, slug, lesson_id, form=form, status=400)


class SubmissionFileView(LoginRequiredMixin, View):
    """A submission's file, for its learner, the learner's instructor and staff only."""

    def get(self, request, submission_id):
        submission: Submission | None = (
            selectors.submissions_readable_by(request.user).filter(public_id=submission_id).first()
        )
        if submission is None or not submission.file:
            raise Http404("No such submission file.")
        response = FileResponse(
            submission.file.open("rb"),
            as_attachment=True,
            filename=submission.file_name,
            content_type=submission.file_content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- discussions -----------------------------------------------------------------------------


class DiscussionsView(LoginRequiredMixin, View):
    """A course's threads, for its learners (approved or further) and instructors."""

    template_name = "lms/discussions.html"

    def _course(self, request, slug):
        course = selectors.course_for_discussion(user=request.user, slug=slug)
        if course is None:
            raise Http404("You do not take part in this course's discussions.")
        return course

    def get(self, request, slug, form=None, status=200):
        course = self._course(request, slug)
        lessons = selectors.course_lessons(course.pk)
        context = {
            "course": course,
            "threads": selectors.threads_of_course(course),
            "form": form or ThreadForm(lessons=lessons),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request, slug):
        course = self._course(request, slug)
        lessons = selectors.course_lessons(course.pk)
        form = ThreadForm(request.POST, lessons=lessons)
        if form.is_valid():
            lesson = next((x for x in lessons if x.pk == form.cleaned_data["lesson"]), None)
            try:
                thread = services.thread_start(
                    course=course,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    lesson=lesson,
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("lms:thread", thread.public_id)
        return self.get(request, slug, form=form, status=400)


class ThreadView(LoginRequiredMixin, View):
    template_name = "lms/thread.html"

    def _thread(self, request, thread_id):
        thread = selectors.thread_for(user=request.user, public_id=thread_id)
        if thread is None:
            raise Http404("No such thread.")
        return thread

    def _learners(self, request, thread):
        if not services.teaches(user=request.user, course=thread.course):
            return []
        return [e.user for e in selectors.course_learners(thread.course_id)]

    def get(self, request, thread_id, form=None, status=200):
        thread = self._thread(request, thread_id)
        learners = self._learners(request, thread)
        context = {
            "thread": thread,
            "posts": selectors.thread_posts(thread),
            "form": form or ReplyForm(learners=learners),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request, thread_id):
        thread = self._thread(request, thread_id)
        learners = self._learners(request, thread)
        form = ReplyForm(request.POST, learners=learners)
        if form.is_valid():
            addressed_to = next(
                (u for u in learners if u.pk == form.cleaned_data.get("addressed_to")), None
            )
            try:
                services.thread_reply(
                    thread=thread,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    addressed_to=addressed_to,
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("lms:thread", thread.public_id)
        return self.get(request, thread_id, form=form, status=400)


# --- certificates ------------------------------------------------------------------------------


class CertificatePdfView(LoginRequiredMixin, View):
    """The certificate as a PDF: for its learner and staff only; marked REVOKED once revoked."""

    def get(self, request, code):
        certificate = (
            selectors.certificates_readable_by(request.user)
            .filter(verification_code=code.upper())
            .first()
        )
        if certificate is None:
            raise Http404("No such certificate.")
        verify_url = request.build_absolute_uri(reverse("lms:certificate_verify", args=[code]))
        pdf = certificate_pdf(certificate=certificate, verify_url=verify_url)
        response = HttpResponse(pdf, content_type="application/pdf")
        # A revoked certificate still downloads, for the learner's records, but marked REVOKED
        # across the page with the date, and named so that a saved copy says it too.
        suffix = "" if certificate.is_valid else "-revoked"
        response["Content-Disposition"] = (
            f'attachment; filename="certificate-{certificate.verification_code}{suffix}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class CertificateVerifyView(View):
    """Public: anyone holding the code sees whether the certificate is valid or revoked."""

    template_name = "lms/certificates/verify.html"

    def get(self, request, code):
        certificate = selectors.certificate_by_code(code)
        status = 200 if certificate is not None else 404
        return render(
            request, self.template_name, {"certificate": certificate, "code": code}, status=status
        )
