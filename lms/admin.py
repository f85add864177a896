from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from lms.models import Course, Department, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "public_id", "is_staff"]
    search_fields = ["username", "email", "first_name", "last_name", "public_id"]
    readonly_fields = ["public_id"]
    fieldsets = [(None, {"fields": ["public_id"]}), *DjangoUserAdmin.fieldsets]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "pre_approved"]
    list_filter = ["pre_approved"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "public_id", "content_creator", "status", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["content_creator"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "public_id"]
    readonly_fields = ["public_id"]
    autocomplete_fields = ["content_creator"]
