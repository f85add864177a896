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


NO_INSTRUCTOR_WARNING = (
    "This course has no instructor: approving leaves the learner without one. Staff who may "
    "complete enrollments grade their work, and payouts gives the instructor pool to the "
    "course's no-instructor recipient (the platform unless its revenue-share config says the "
    "creator)."
)
PROPOSAL_HELP = (
    "Proposed: the course's instructor with the fewest active learners (on a tie, the one "
    "given a learner longest ago). Approving assigns whoever is chosen here."
)


def instructor_choice(enrollment: Enrollment) -> tuple:
    """The instructors staff may give the learner on approval, and the one to propose."""
    from lms import selectors

    choices = User.objects.filter(course_assignments__course_id=enrollment.course_id).exclude(
        pk=enrollment.user_id
    )
    proposed = enrollment.instructor or selectors.instructor_proposed_for(enrollment)
    return choices, proposed


class ApproveForm(forms.Form):
    """Approval, with the instructor the learner gets (the proposal unless staff pick another)."""

    instructor = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, enrollment: Enrollment, **kwargs):
        super().__init__(*args, **kwargs)
        choices, proposed = instructor_choice(enrollment)
        field = self.fields["instructor"]
        field.queryset = choices
        field.initial = proposed
        field.help_text = PROPOSAL_HELP if proposed is not None else NO_INSTRUCTOR_WARNING
