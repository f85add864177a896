from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from cadence.kernel.public_ids import PublicIdField


class User(AbstractUser):
    """A person on Cadence: learner, instructor, creator or staff (roles are groups)."""

    public_id = PublicIdField(prefix="usr")
    department = models.ForeignKey(
        "lms.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Department(models.Model):
    """A unit of the organisation; learners of a pre-approved one skip staff approval."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    pre_approved = models.BooleanField(
        default=False,
        help_text="Enrollments of this department's members (and of its sub-departments') "
        "are approved without staff review.",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_departments"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The tree must stay a tree: a department cannot sit under itself or its own descendants.
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A department cannot be inside itself."})
            ancestor = ancestor.parent
