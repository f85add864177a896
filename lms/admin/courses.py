from django.contrib import admin, messages
from django.db import models

from lms import services
from lms.errors import LmsError
from lms.models import Course, CourseInstructor, Lesson, Module

# Links typed without a scheme are taken as https, as browsers do.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ["position", "title"]
    ordering = ["position", "id"]
    extra = 0
    show_change_link = True


class CourseInstructorInline(admin.TabularInline):
    model = CourseInstructor
    fields = ["instructor", "assigned_at"]
    readonly_fields = ["assigned_at"]
    autocomplete_fields = ["instructor"]
    extra = 0
    verbose_name = "instructor"
    verbose_name_plural = "instructors"


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "public_id", "content_creator", "status", "requires_approval"]
    list_filter = ["status", "requires_approval"]
    list_select_related = ["content_creator"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "public_id"]
    readonly_fields = ["public_id", "status", "published_at"]
    autocomplete_fields = ["content_creator"]
    fieldsets = [
        (None, {"fields": ["public_id", "status", "published_at", "title", "slug"]}),
        ("Catalogue", {"fields": ["description", "thumbnail", "content_creator"]}),
        ("Enrollment", {"fields": ["requires_approval", "capacity"]}),
        ("Completion", {"fields": ["grading_method", "passing_grade"]}),
    ]
    inlines = [ModuleInline, CourseInstructorInline]
    formfield_overrides = URL_FIELDS
    actions = ["publish", "archive"]

    def save_model(self, request, obj, form, change):
        services.course_details_update(course=obj, changed_fields=set(form.changed_data))

    @admin.action(description="Publish the selected draft courses", permissions=["change"])
    def publish(self, request, queryset):
        self._each(request, queryset, services.course_publish, "published")

    @admin.action(description="Archive the selected published courses", permissions=["change"])
    def archive(self, request, queryset):
        self._each(request, queryset, services.course_archive, "archived")

    def _each(self, request, queryset, service, done: str) -> None:
        count = 0
        for course in queryset.select_related("content_creator"):
            try:
                service(course=course)
                count += 1
            except LmsError as error:
                self.message_user(request, f"{course}: {error.message}", messages.WARNING)
        if count:
            self.message_user(request, f"{count} course(s) {done}.", messages.SUCCESS)


class LessonInline(admin.StackedInline):
    model = Lesson
    fields = [
        ("position", "title", "kind", "required"),
        "body",
        "video_url",
        ("starts_at", "duration_minutes"),
    ]
    ordering = ["position", "id"]
    extra = 0
    formfield_overrides = URL_FIELDS


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    list_select_related = ["course"]
    list_filter = ["course"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    inlines = [LessonInline]
