"""Staff views of learning records. Read-only: grades, posts, attendance and interactions are
changed through the pages' services (which publish their events), never edited here."""

from django.contrib import admin

from lms.models import Attendance, Certificate, Interaction, Submission, Thread


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "enrollment", "lesson", "submitted_at", "score", "graded_by"]
    list_select_related = ["enrollment__user", "enrollment__course", "lesson", "graded_by"]
    list_filter = ["graded_at"]
    search_fields = ["public_id", "enrollment__public_id", "enrollment__user__username"]
    # The file is served by the permission-checked download view, not as a media link.
    exclude = ["file"]


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ["title", "course", "started_by", "last_post_at", "awaiting_reply"]
    list_select_related = ["course", "started_by"]
    list_filter = ["awaiting_reply"]
    search_fields = ["public_id", "title"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["lesson", "enrollment", "minutes", "recorded_by", "recorded_at"]
    list_select_related = ["lesson", "enrollment__user", "enrollment__course", "recorded_by"]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "kind", "amount", "enrollment", "instructor", "occurred_at"]
    list_select_related = ["enrollment__user", "enrollment__course", "instructor"]
    list_filter = ["kind"]
    search_fields = ["public_id", "enrollment__public_id", "instructor__username"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["verification_code", "learner_name", "course_title", "grade", "issued_at"]
    list_filter = ["revoked_at"]
    search_fields = ["verification_code", "learner_name", "enrollment__public_id"]
