"""Accounts and My learning."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from lms import selectors, services
from lms.errors import LmsError
from lms.forms import ProfileForm, SignUpForm

SIGN_UP_NEXT = "lms:sign-up-next"


def safe_next(request, value: str | None) -> str:
    """``value`` if it is a path on this site (never another host or scheme), else ``""``."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


class SignUpView(View):
    """The sign-up form. Whether or not the address has an account, the answer is the same
    "check your email" page; the email tells the address's owner what to do next.

    A safe ``next`` (the page that sent the visitor here) is kept in the session, so that
    confirming the link in the same browser leads back to it."""

    template_name = "lms/accounts/signup.html"

    def get(self, request):
        next_url = safe_next(request, request.GET.get("next"))
        return render(request, self.template_name, {"form": SignUpForm(), "next": next_url})

    def post(self, request):
        next_url = safe_next(request, request.POST.get("next"))
        if next_url:
            request.session[SIGN_UP_NEXT] = next_url
        form = SignUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_sign_up_request(
                    username=data["username"],
                    email=data["email"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    site_url=f"{request.scheme}://{request.get_host()}",
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("lms:signup_sent")
        return render(request, self.template_name, {"form": form, "next": next_url}, status=400)


class SignUpConfirmView(View):
    """The link in the sign-up email: a button (so that a mail scanner following the link
    creates nothing) that makes the account and signs the person in."""

    template_name = "lms/accounts/signup_confirm.html"

    def get(self, request, token: str):
        sign_up = selectors.sign_up_request_open(token=token)
        status = 200 if sign_up is not None else 404
        return render(request, self.template_name, {"sign_up": sign_up}, status=status)

    def post(self, request, token: str):
        try:
            user = services.user_sign_up_confirm(token=token)
        except LmsError as error:
            context = {"sign_up": None, "error": error}
            return render(request, self.template_name, context, status=error.status_code)
        next_url = safe_next(request, request.session.pop(SIGN_UP_NEXT, None))
        login(request, user, backend="lms.auth.ThrottledModelBackend")
        messages.success(request, "Welcome to Cadence.")
        return redirect(next_url or "lms:my_learning")


class ProfileView(LoginRequiredMixin, View):
    template_name = "lms/accounts/profile.html"

    def get(self, request):
        user = request.user
        form = ProfileForm(
            initial={
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
            }
        )
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.user_profile_update(user=request.user, **form.cleaned_data)
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Profile saved.")
                return redirect("lms:profile")
        return render(request, self.template_name, {"form": form}, status=400)


class MyLearningView(LoginRequiredMixin, TemplateView):
    template_name = "lms/my_learning.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            enrollments=list(selectors.enrollments_of(user)),
            teaches=user.course_assignments.exists(),
            **kwargs,
        )


PASSWORD_RESET_DONE = reverse_lazy("lms:password_reset_done")
PASSWORD_RESET_COMPLETE = reverse_lazy("lms:password_reset_complete")
PASSWORD_CHANGE_DONE = reverse_lazy("lms:password_change_done")
