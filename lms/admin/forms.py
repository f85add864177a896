"""Forms of the enrollment transitions that need more than a click."""

from django import forms


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the enrollment's history and sent to the other systems.",
    )


class GradeForm(forms.Form):
    grade = forms.IntegerField(min_value=0, max_value=100, help_text="0-100.")
