from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from cadence.kernel.money import Money
from lms import services
from lms.admin.forms import (
    NO_INSTRUCTOR_WARNING,
    PROPOSAL_HELP,
    ApproveForm,
    EnrollmentAddForm,
    GradeForm,
    ReasonForm,
    instructor_choice,
)
from lms.errors import LmsError
from lms.models import (
    CourseInstructor,
    Enrollment,
    EnrollmentApproval,
    EnrollmentInstructorChange,
    EnrollmentTransition,
    User,
)
from lms.models.enrollments import APPROVE_PERMISSION, COMPLETE_PERMISSION

# What each transition asks staff for, and the service that takes it.
TRANSITION_FORMS = {
    "reject": ReasonForm,
    "complete": GradeForm,
    "cancel": ReasonForm,
    "revoke": ReasonForm,
}
PAST_TENSE = {"approve": "Approved", "reject": "Rejected", "complete": "Completed"}


def _take(name: str, enrollment: Enrollment, user: User, data: dict) -> Enrollment:
    if name == "approve":
        return services.enrollment_approve(
            enrollment=enrollment, actor=user, instructor=data.get("instructor")
        )
    if name == "reject":
        return services.enrollment_reject(enrollment=enrollment, actor=user, reason=data["reason"])
    if name == "complete":
        return services.enrollment_complete(enrollment=enrollment, actor=user, grade=data["grade"])
    if name == "cancel":
        return services.enrollment_cancel(enrollment=enrollment, actor=user, reason=data["reason"])
    if name == "revoke":
        return services.enrollment_revoke(enrollment=enrollment, actor=user, reason=data["reason"])
    raise PermissionDenied(f"{name} is not a staff transition")


STAFF_TRANSITIONS = ["approve", "reject", "complete", "cancel", "revoke"]


class WaitingFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("day", "Under a day"), ("week", "1-7 days"), ("older", "Over a week")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "day":
            return queryset.filter(requested_at__gte=now - timedelta(days=1))
        if self.value() == "week":
            return queryset.filter(
                requested_at__lt=now - timedelta(days=1), requested_at__gte=now - timedelta(days=7)
            )
        if self.value() == "older":
            return queryset.filter(requested_at__lt=now - timedelta(days=7))
        return queryset


class TransitionLogInline(admin.TabularInline):
    model = EnrollmentTransition
    fields = ["occurred_at", "source_state", "target_state", "actor", "actor_system", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "state change"
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class InstructorChangeInline(admin.TabularInline):
    model = EnrollmentInstructorChange
    fields = ["occurred_at", "previous_instructor", "new_instructor", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "instructor changes"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("previous_instructor", "new_instructor", "actor")
        )


class EnrollmentAdminBase(admin.ModelAdmin):
    change_form_template = "admin/lms/enrollment/change_form.html"
    list_display = [
        "public_id", "user", "course", "department", "state", "source", "requested_at", "waiting",
    ]  # fmt: skip
    list_select_related = ["user__department", "course"]
    list_filter = [
        "state",
        ("course", admin.RelatedOnlyFieldListFilter),
        ("user__department", admin.RelatedOnlyFieldListFilter),
        WaitingFilter,
        "source",
    ]
    search_fields = [
        "public_id", "user__username", "user__email", "user__public_id", "user__last_name",
        "course__title", "course__public_id", "external_order_id", "external_order_item_id",
    ]  # fmt: skip
    date_hierarchy = "requested_at"
    fieldsets = [
        (None, {"fields": ["public_id", "state", "user", "course", "instructor", "source"]}),
        ("Purchase", {"fields": ["external_order_id", "external_order_item_id", "purchase"]}),
        (
            "Timeline",
            {
                "fields": [
                    "requested_at", ("approved_at", "approved_by_name"), "rejected_at",
                    "started_at", ("completed_at", "grade"), "ended_at",
                ]
            },
        ),
    ]  # fmt: skip
    readonly_fields = [
        "public_id", "state", "user", "course", "source", "external_order_id",
        "external_order_item_id", "purchase", "requested_at", "approved_at", "approved_by_name",
        "rejected_at", "started_at", "completed_at", "grade", "ended_at",
    ]  # fmt: skip
    inlines = [TransitionLogInline, InstructorChangeInline]
    actions = ["approve_selected", "reject_selected", "complete_selected"]

    # --- the list ------------------------------------------------------------------------------

    @admin.display(description="department", ordering="user__department__name")
    def department(self, enrollment):
        return enrollment.user.department or "—"

    @admin.display(description="waiting", ordering="requested_at")
    def waiting(self, enrollment):
        if enrollment.state != Enrollment.State.PENDING:
            return "—"
        return naturaltime(enrollment.requested_at)

    @admin.display(description="approved by")
    def approved_by_name(self, enrollment):
        """The approver by name ("Ada Staff"); the recorded value is their public id, or the
        name of the system that approved (auto-approval)."""
        if not enrollment.approved_by:
            return "—"
        person = User.objects.filter(public_id=enrollment.approved_by).first()
        return person.display_name if person else enrollment.approved_by

    @admin.display(description="purchase")
    def purchase(self, enrollment):
        if enrollment.purchase_amount_minor is None:
            return "—"
        return Money(enrollment.purchase_amount_minor, enrollment.purchase_currency).format()

    # --- permissions ---------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        return False  # the history of an enrollment is kept; cancel or revoke it instead

    def has_approve_permission(self, request):
        return request.user.has_perm(APPROVE_PERMISSION)

    def has_complete_permission(self, request):
        return request.user.has_perm(COMPLETE_PERMISSION)

    # --- instructor changes go through the service -----------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or "instructor" not in form.base_fields:
            return form
        if obj.state != Enrollment.State.PENDING:
            form.base_fields["instructor"].queryset = User.objects.filter(
                course_assignments__course_id=obj.course_id
            )
            return form
        # Pending: the field shows whom approving would assign (the Approve button submits it),
        # and staff may pick another first.
        choices, proposed = instructor_choice(obj)
        form.base_fields["instructor"].queryset = choices
        form.base_fields["instructor"].help_text = (
            PROPOSAL_HELP if proposed is not None else NO_INSTRUCTOR_WARNING
        )

        class PendingEnrollmentForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if proposed is not None:
                    self.initial["instructor"] = proposed.pk

        return PendingEnrollmentForm

    def save_model(self, request, obj, form, change):
        stored = Enrollment.objects.get(pk=obj.pk)
        # Compared with the stored row, not the form's initial: a pending enrollment's field
        # starts at the proposed instructor, whom saving assigns.
        if "instructor" in form.cleaned_data and stored.instructor_id != obj.instructor_id:
            services.enrollment_instructor_assign(
                enrollment=stored,
                instructor=obj.instructor,
                actor=request.user,
                reason="changed in the admin",
            )

    # --- transitions: the buttons come from the state machine --------------------------------

    def staff_transitions(self, request, enrollment: Enrollment) -> list[dict]:
        buttons = []
        for transition in enrollment.get_all_state_transitions():
            state = enrollment.state
            applies = transition.source == state or (
                # Completing an approved enrollment starts it first (see enrollment_complete).
                transition.name == "complete" and state == Enrollment.State.APPROVED
            )
            if (
                transition.name in STAFF_TRANSITIONS
                and applies
                and transition.has_perm(enrollment, request.user)
                and not any(b["name"] == transition.name for b in buttons)
            ):
                buttons.append(
                    {
                        "name": transition.name,
                        "label": transition.custom.get("label", transition.name),
                        "needs_form": transition.name in TRANSITION_FORMS,
                        "url": self._transition_url(enrollment.pk, transition.name),
                    }
                )
        return sorted(buttons, key=lambda b: STAFF_TRANSITIONS.index(b["name"]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        enrollment = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if enrollment is not None:
            extra_context["transitions"] = self.staff_transitions(request, enrollment)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        meta = self.model._meta
        return [
            path(
                "<int:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{meta.app_label}_{meta.model_name}_transition",
            ),
            *super().get_urls(),
        ]

    def _transition_url(self, pk, name):
        meta = self.model._meta
        return reverse(
            f"admin:{meta.app_label}_{meta.model_name}_transition",
            kwargs={"object_id": pk, "name": name},
        )

    def _after_transition_url(self, request, enrollment) -> str:
        meta = self.model._meta
        if self.get_queryset(request).filter(pk=enrollment.pk).exists():
            return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[enrollment.pk])
        # It left this list (the approvals queue): back to the list, to the next one.
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    def transition_view(self, request, object_id: int, name: str):
        enrollment = get_object_or_404(
            Enrollment.objects.select_related("user", "course__content_creator", "instructor"),
            pk=object_id,
        )
        if name not in {b["name"] for b in self.staff_transitions(request, enrollment)}:
            raise PermissionDenied
        if name == "approve":
            # Bound on every POST: the change page's Approve button may send no instructor.
            data = request.POST if request.method == "POST" else None
            form = ApproveForm(data, enrollment=enrollment)
        else:
            form_class = TRANSITION_FORMS.get(name)
            form = form_class(request.POST or None) if form_class else None
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                _take(name, enrollment, request.user, form.cleaned_data if form else {})
            except LmsError as error:
                self.message_user(request, f"Not done: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{enrollment.public_id} is now {enrollment.get_state_display().lower()}.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._after_transition_url(request, enrollment))
        label = dict((b["name"], b["label"]) for b in self.staff_transitions(request, enrollment))
        return TemplateResponse(
            request,
            "lms/admin/enrollment_transition.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": enrollment,
                "title": f"{label[name]}: {enrollment}",
                "form": form,
            },
        )

    # --- bulk actions ------------------------------------------------------------------------

    @admin.action(description="Approve the selected enrollments", permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, "approve", {})

    @admin.action(description="Reject the selected enrollments…", permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._bulk_with_form(request, queryset, "reject", ReasonForm)

    @admin.action(description="Complete the selected enrollments…", permissions=["complete"])
    def complete_selected(self, request, queryset):
        return self._bulk_with_form(request, queryset, "complete", GradeForm)

    def _bulk_with_form(self, request, queryset, name, form_class):
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._bulk(request, queryset, name, form.cleaned_data)
            return None
        return TemplateResponse(
            request,
            "lms/admin/enrollment_bulk.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"{name.capitalize()} {queryset.count()} enrollment(s)",
                "form": form,
                "enrollments": queryset.select_related("user", "course"),
                "action": request.POST.get("action"),
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            },
        )

    def _bulk(self, request, queryset, name, data) -> None:
        done, refused = 0, []
        enrollments = queryset.select_related("user", "course__content_creator", "instructor")
        for enrollment in enrollments:
            try:
                # Each service call is its own transaction: one refusal does not undo the others.
                _take(name, enrollment, request.user, data)
                done += 1
            except LmsError as error:
                refused.append(f"{enrollment.public_id}: {error.message}")
        if done:
            self.message_user(
                request, f"{PAST_TENSE[name]} {done} enrollment(s).", messages.SUCCESS
            )
        if refused:
            self.message_user(request, "Not done: " + "; ".join(refused), messages.WARNING)


@admin.register(Enrollment)
class EnrollmentAdmin(EnrollmentAdminBase):
    def add_view(self, request, form_url="", extra_context=None):
        """Enroll a learner through ``enrollment_enroll``, never a bare save: the state is
        protected and the service logs the request and publishes it. What the service refuses
        is shown on the field it names, and nothing is created."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EnrollmentAddForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                enrollment = services.enrollment_enroll(actor=request.user, **form.cleaned_data)
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.log_addition(request, enrollment, [{"added": {}}])
                self.message_user(
                    request,
                    f"{enrollment.user} is enrolled in {enrollment.course} "
                    f"({enrollment.public_id}), pending approval.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:lms_enrollment_change", args=[enrollment.pk])
                )
        return TemplateResponse(
            request,
            "lms/admin/enrollment_add.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Enroll a learner",
                "form": form,
                "media": self.media + form.media,
            },
        )


@admin.register(EnrollmentApproval)
class EnrollmentApprovalAdmin(EnrollmentAdminBase):
    """Pending enrollments only, oldest first: the staff's daily work list."""

    list_display = [
        "public_id", "user", "course", "department", "instructor_on_approval", "source", "waiting",
    ]  # fmt: skip
    list_select_related = ["user__department", "course", "instructor"]
    list_filter = [f for f in EnrollmentAdminBase.list_filter if f != "state"]
    actions = ["approve_selected", "reject_selected"]
    ordering = ["requested_at", "id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(state=Enrollment.State.PENDING)
            .annotate(
                course_has_instructor=Exists(
                    CourseInstructor.objects.filter(course_id=OuterRef("course_id"))
                )
            )
        )

    @admin.display(description="instructor")
    def instructor_on_approval(self, enrollment):
        if enrollment.instructor is not None:
            return enrollment.instructor
        if enrollment.course_has_instructor:
            return "assigned on approval"
        return format_html(
            '<strong title="{}">⚠ the course has no instructor</strong>', NO_INSTRUCTOR_WARNING
        )

    def has_add_permission(self, request):
        return False  # learners are enrolled on the enrollments page; this queue only decides

    def has_module_permission(self, request):
        return self.has_approve_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.has_approve_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_approve_permission(request)
