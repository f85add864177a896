from django.contrib import admin, messages
from django.db import models

from lms import services
from lms.errors import LmsError
from lms.models import Course, CourseInstructor, Lesson, LessonResource, Module

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
        (
            "Catalogue and sales page",
            {"fields": ["description", "outcomes", "image", "thumbnail", "content_creator"]},
        ),
        ("Enrollment", {"fields": ["requires_approval", "capacity"]}),
        ("Completion", {"fields": ["grading_method", "passing_grade"]}),
    ]
    inlines = [ModuleInline, CourseInstructorInline]
    formfield_overrides = URL_FIELDS
    actions = ["publish", "archive"]

    def save_model(self, request, obj, form, change):
        services.course_details_update(course=obj, changed_fields=set(form.changed_data))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Modules or instructors changed: the sales page lists both.
        if any(formset.has_changed() for formset in formsets):
            services.course_catalogue_refresh(course=form.instance)

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


LESSON_FIELDS = [
    ("position", "title", "kind", "required", "is_preview"),
    "body",
    ("video_url", "video_file"),
    ("starts_at", "duration_minutes"),
]


class LessonInline(admin.StackedInline):
    model = Lesson
    fields = LESSON_FIELDS
    ordering = ["position", "id"]
    extra = 0
    show_change_link = True
    formfield_overrides = URL_FIELDS


class LessonResourceInline(admin.TabularInline):
    model = LessonResource
    fields = ["position", "title", "file"]
    ordering = ["position", "id"]
    extra = 0


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    list_select_related = ["course"]
    list_filter = ["course"]
    search_fields = ["title", "course__title"]
    autocomplete_fields = ["course"]
    inlines = [LessonInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Lessons, their durations or previews changed: the sales page's curriculum shows them.
        services.course_catalogue_refresh(course=form.instance.course)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    """One lesson with its downloadable resources (the module's page lists the lessons)."""

    list_display = ["title", "module", "kind", "is_preview", "duration_minutes"]
    list_select_related = ["module__course"]
    list_filter = ["kind", "is_preview", "module__course"]
    search_fields = ["title", "module__title", "module__course__title"]
    autocomplete_fields = ["module"]
    fields = ["module", *LESSON_FIELDS]
    inlines = [LessonResourceInline]
    formfield_overrides = URL_FIELDS

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.course_catalogue_refresh(course=form.instance.module.course)
