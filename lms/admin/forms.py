"""Forms of the enrollment screens that need more than a click."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect

from lms.models import Course, Enrollment, User


class EnrollmentAddForm(forms.Form):
    """Who joins which course, and with whom; ``enrollment_enroll`` decides if they may."""

    user = forms.ModelChoiceField(queryset=User.objects.all(), label="Learner")
    course = forms.ModelChoiceField(queryset=Course.objects.all())
    instructor = forms.ModelChoiceField(
        queryset=User.objects.all(),
        required=False,
        help_text="One of the course's instructors, or none for now.",
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        # Searched as one types rather than listing every person and course on the page.
        for name, field in self.fields.items():
            field.widget = AutocompleteSelect(Enrollment._meta.get_field(name), admin_site)
            field.widget.choices = field.choices
            field.widget.is_required = field.required


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the enrollment's history and sent to the other systems.",
    )


class GradeForm(forms.Form):
    grade = forms.IntegerField(min_value=0, max_value=100, help_text="0-100.")
