from django.contrib.auth import views as auth_views
from django.urls import path

from lms import views
from lms.rest_api import courses, enrollments

app_name = "lms"

# Password reset under its own paths and templates; the emails go to the console by default.
password_reset = [
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="lms/accounts/password_reset_form.html",
            email_template_name="lms/accounts/password_reset_email.txt",
            subject_template_name="lms/accounts/password_reset_subject.txt",
            success_url=views.PASSWORD_RESET_DONE,
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="lms/accounts/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="lms/accounts/password_reset_confirm.html",
            success_url=views.PASSWORD_RESET_COMPLETE,
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="lms/accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("accounts/signup/", views.SignUpView.as_view(), name="signup"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    *password_reset,
    path("learning/", views.MyLearningView.as_view(), name="my_learning"),
    path("learning/courses/<slug:slug>/", views.CourseView.as_view(), name="course"),
    path("learning/courses/<slug:slug>/start/", views.CourseStartView.as_view(), name="start"),
    path("api/v1/lms/courses", courses.CourseListApi.as_view(), name="api_courses"),
    path(
        "api/v1/lms/courses/<str:course_id>", courses.CourseDetailApi.as_view(), name="api_course"
    ),
    path("api/v1/lms/enrollments", enrollments.EnrollmentListApi.as_view(), name="api_enrollments"),
    path(
        "api/v1/lms/enrollments/<str:enrollment_id>",
        enrollments.EnrollmentDetailApi.as_view(),
        name="api_enrollment",
    ),
]
