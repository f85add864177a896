from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

from lms.rest_api import courses, enrollments, learning, tokens
from lms.views import accounts as views
from lms.views import learning as learning_views
from lms.views import media as media_views
from lms.views import teaching as teaching_views

app_name = "lms"

# Password reset under its own paths and templates; the emails go to the console only in the
# embedded mode (production sends them through EMAIL_URL and refuses to start without it).
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

# Password change in the site's own pages: Django's default templates are the admin's, whose
# links lead a learner to the admin's log-in.
password_change = [
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="lms/accounts/password_change_form.html",
            success_url=views.PASSWORD_CHANGE_DONE,
        ),
        name="password_change",
    ),
    path(
        "accounts/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="lms/accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("accounts/signup/", views.SignUpView.as_view(), name="signup"),
    path(
        "accounts/signup/sent/",
        TemplateView.as_view(template_name="lms/accounts/signup_sent.html"),
        name="signup_sent",
    ),
    path(
        "accounts/signup/confirm/<str:token>/",
        views.SignUpConfirmView.as_view(),
        name="signup_confirm",
    ),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    *password_reset,
    *password_change,
    path("learning/", views.MyLearningView.as_view(), name="my_learning"),
    path("learning/courses/<slug:slug>/", learning_views.CourseView.as_view(), name="course"),
    path(
        "learning/courses/<slug:slug>/start/",
        learning_views.CourseStartView.as_view(),
        name="start",
    ),
    path(
        "learning/courses/<slug:slug>/lessons/<int:lesson_id>/",
        learning_views.LessonView.as_view(),
        name="lesson",
    ),
    path(
        "learning/courses/<slug:slug>/preview/<int:lesson_id>/",
        learning_views.PreviewView.as_view(),
        name="preview",
    ),
    path(
        "learning/lessons/<int:lesson_id>/video",
        media_views.LessonVideoView.as_view(),
        name="lesson_video",
    ),
    path(
        "learning/resources/<str:resource_id>/",
        media_views.LessonResourceView.as_view(),
        name="resource",
    ),
    path(
        "courses/<str:course_id>/image",
        media_views.CourseImageView.as_view(),
        name="course_image",
    ),
    path("people/<str:user_id>/photo", media_views.PersonPhotoView.as_view(), name="person_photo"),
    path(
        "learning/courses/<slug:slug>/lessons/<int:lesson_id>/complete/",
        learning_views.LessonCompleteView.as_view(),
        name="lesson_complete",
    ),
    path(
        "learning/courses/<slug:slug>/lessons/<int:lesson_id>/check-in/",
        learning_views.LiveSessionCheckInView.as_view(),
        name="check_in",
    ),
    path(
        "learning/courses/<slug:slug>/lessons/<int:lesson_id>/submit/",
        learning_views.SubmissionSubmitView.as_view(),
        name="submit",
    ),
    path(
        "learning/courses/<slug:slug>/discussions/",
        learning_views.DiscussionsView.as_view(),
        name="discussions",
    ),
    path("learning/threads/<str:thread_id>/", learning_views.ThreadView.as_view(), name="thread"),
    path(
        "learning/submissions/<str:submission_id>/file/",
        learning_views.SubmissionFileView.as_view(),
        name="submission_file",
    ),
    path(
        "learning/certificates/<str:code>/pdf/",
        learning_views.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
    path(
        "certificates/<str:code>/",
        learning_views.CertificateVerifyView.as_view(),
        name="certificate_verify",
    ),
    path("teaching/", teaching_views.TeachingView.as_view(), name="teaching"),
    path("teaching/grading/", teaching_views.GradingQueueView.as_view(), name="grading"),
    path("teaching/learners/", teaching_views.RosterView.as_view(), name="roster"),
    path(
        "teaching/submissions/<str:submission_id>/",
        teaching_views.GradeView.as_view(),
        name="grade",
    ),
    path(
        "teaching/enrollments/<str:enrollment_id>/final-grade/",
        teaching_views.FinalGradeView.as_view(),
        name="final_grade",
    ),
    path(
        "teaching/live-sessions/<int:lesson_id>/",
        teaching_views.LiveSessionView.as_view(),
        name="live_session",
    ),
    path("api/v1/auth/token/", tokens.TokenObtainApi.as_view(), name="api_token"),
    path("api/v1/auth/token/refresh/", tokens.TokenRefreshApi.as_view(), name="api_token_refresh"),
    path("api/v1/auth/token/verify/", tokens.TokenVerifyApi.as_view(), name="api_token_verify"),
    path("api/v1/lms/courses/", courses.CourseListApi.as_view(), name="api_courses"),
    path(
        "api/v1/lms/courses/<str:course_id>/", courses.CourseDetailApi.as_view(), name="api_course"
    ),
    path(
        "api/v1/lms/enrollments/", enrollments.EnrollmentListApi.as_view(), name="api_enrollments"
    ),
    path(
        "api/v1/lms/enrollments/<str:enrollment_id>/",
        enrollments.EnrollmentDetailApi.as_view(),
        name="api_enrollment",
    ),
    path(
        "api/v1/lms/enrollments/<str:enrollment_id>/progress/",
        learning.ProgressApi.as_view(),
        name="api_progress",
    ),
    path(
        "api/v1/lms/enrollments/<str:enrollment_id>/grades/",
        learning.GradesApi.as_view(),
        name="api_grades",
    ),
    path("api/v1/lms/submissions/", learning.SubmissionListApi.as_view(), name="api_submissions"),
    path(
        "api/v1/lms/submissions/create/",
        learning.SubmissionCreateApi.as_view(),
        name="api_submission_create",
    ),
    path(
        "api/v1/lms/submissions/<str:submission_id>/grade/",
        learning.SubmissionGradeApi.as_view(),
        name="api_submission_grade",
    ),
    path(
        "api/v1/lms/submissions/<str:submission_id>/",
        learning.SubmissionDetailApi.as_view(),
        name="api_submission",
    ),
    path(
        "api/v1/lms/certificates/", learning.CertificateListApi.as_view(), name="api_certificates"
    ),
    path(
        "api/v1/lms/certificates/<str:code>/",
        learning.CertificateDetailApi.as_view(),
        name="api_certificate",
    ),
]
