from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from lms import services
from lms.models import Department, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "public_id", "department"]
    list_filter = [*DjangoUserAdmin.list_filter, "department"]
    list_select_related = ["department"]
    search_fields = ["username", "email", "first_name", "last_name", "public_id"]
    readonly_fields = ["public_id"]
    fieldsets = [
        (None, {"fields": ["public_id", "department"]}),
        *DjangoUserAdmin.fieldsets,
        ("Shown on sales pages", {"fields": ["bio", "photo"]}),
    ]
    # Who may do what: only those who may grant access change it (else changing a user is
    # enough to make oneself a superuser).
    ACCESS_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("lms.grant_access"):
            readonly += self.ACCESS_FIELDS
        return readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Other contexts keep a copy of name and email; tell them what changed here.
        if not change or {"email", "first_name", "last_name"} & set(form.changed_data):
            services.user_announce(user=obj, created=not change)
        # The sales pages of their courses introduce them by name, bio and photo.
        if change and {"first_name", "last_name", "bio", "photo"} & set(form.changed_data):
            services.courses_of_person_refresh(user=obj)


class SubDepartmentInline(admin.TabularInline):
    model = Department
    fk_name = "parent"
    fields = ["name", "slug", "pre_approved"]
    prepopulated_fields = {"slug": ["name"]}
    extra = 0
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "pre_approved"]
    list_filter = ["pre_approved"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["managers"]
    inlines = [SubDepartmentInline]


class ApiRefreshTokenAdmin(OutstandingTokenAdmin):
    """Issued API refresh tokens, to look up (who, when, until when); nothing here is edited.

    The library's admin opens the change form and then refuses to save it; this one shows the
    token as the read-only page it is.
    """

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, ApiRefreshTokenAdmin)
