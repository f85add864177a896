"""Accounts and My learning."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views import View
from django.views.generic import TemplateView

from lms import selectors, services
from lms.errors import LmsError
from lms.forms import ProfileForm, SignUpForm


class SignUpView(View):
    template_name = "lms/accounts/signup.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SignUpForm()})

    def post(self, request):
        form = SignUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_register(
                    username=data["username"],
                    email=data["email"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
            except LmsError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                login(request, user, backend="lms.auth.ThrottledModelBackend")
                messages.success(request, "Welcome to Cadence.")
                return redirect("lms:my_learning")
        return render(request, self.template_name, {"form": form}, status=400)


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
