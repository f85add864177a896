"""Forms of the learner's pages: they parse input; the services decide."""

from django import forms

from lms.models import User


class SignUpForm(forms.Form):
    username = forms.CharField(max_length=150, validators=[User.username_validator])
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class ProfileForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)


# --- learning and teaching ----------------------------------------------------------------------


class SubmissionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, label="Answer")
    # The type and size are checked by the service, which knows the accepted files.
    file = forms.FileField(required=False, label="File")


class GradeForm(forms.Form):
    score = forms.IntegerField(min_value=0, max_value=100, label="Score (0-100)")
    feedback = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)


class FinalGradeForm(forms.Form):
    grade = forms.IntegerField(min_value=0, max_value=100, label="Final grade (0-100)")


class ThreadForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Message")
    lesson = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="About")

    def __init__(self, *args, lessons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].choices = [("", "The whole course")] + [
            (lesson.pk, lesson.title) for lesson in lessons
        ]


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Reply")
    addressed_to = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Addressed to"
    )

    def __init__(self, *args, learners=(), **kwargs):
        super().__init__(*args, **kwargs)
        if learners:
            self.fields["addressed_to"].choices = [("", "Everyone")] + [
                (user.pk, user.display_name) for user in learners
            ]
        else:
            del self.fields["addressed_to"]


class AttendanceForm(forms.Form):
    enrollment = forms.TypedChoiceField(coerce=int, label="Learner")
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60)

    def __init__(self, *args, enrollments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].choices = [(e.pk, e.user.display_name) for e in enrollments]


class AttendanceCsvForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A header row learner,minutes; learner is a username, email or usr_ id.",
    )


class TeachingFilterForm(forms.Form):
    """The grading queue's and the roster's filters: a course the instructor teaches, how long
    work has waited, a learner's name."""

    WAITING = [
        ("", "Any time"),
        ("1", "More than a day"),
        ("3", "More than 3 days"),
        ("7", "More than a week"),
    ]

    course = forms.ChoiceField(required=False, label="Course")
    waiting = forms.ChoiceField(required=False, choices=WAITING, label="Waiting")
    q = forms.CharField(required=False, max_length=100, label="Learner")

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [("", "All my courses")] + [
            (course.public_id, course.title) for course in courses
        ]
