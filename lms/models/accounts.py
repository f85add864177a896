import hashlib
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as AuthUserManager
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from cadence.kernel.public_ids import PublicIdField
from lms.media import user_photo_path, validate_image


class UserManager(AuthUserManager):
    """Django's user manager, announcing each person it creates to the other contexts.

    ``createsuperuser``, ``create_user`` (the demo's way in) and ``create_superuser`` all end in
    ``_create_user``; the sign-up and the admin's add form build their user by hand and announce
    it themselves, so each way in publishes ``user.created`` exactly once.
    """

    # The announcement needs the live services and event receivers, which a migration's
    # historical models do not have.
    use_in_migrations = False

    def _create_user(self, username, email, password, **extra_fields):
        # The services import the models: look the announcement up when it is needed.
        from lms.services.accounts import user_announce

        with transaction.atomic(using=self._db):
            user = super()._create_user(username, email, password, **extra_fields)
            user_announce(user=user, created=True)
        return user

    async def _acreate_user(self, username, email, password, **extra_fields):
        return await sync_to_async(self._create_user)(username, email, password, **extra_fields)


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
    bio = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Shown on the sales page of courses they make or teach.",
    )
    photo = models.FileField(
        upload_to=user_photo_path,
        blank=True,
        max_length=255,
        validators=[validate_image],
        help_text="A portrait (PNG, JPEG or WebP, up to 2 MB).",
    )

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        # Changing a person's name or email is not the power to make anyone staff or superuser.
        permissions = [("grant_access", "Can give people staff status, roles and permissions")]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class SignUpRequestQuerySet(models.QuerySet):
    """A sign-up's link lives as long as a password-reset link (``PASSWORD_RESET_TIMEOUT``)."""

    @staticmethod
    def _cutoff():
        return timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)

    def expired(self):
        return self.filter(requested_at__lt=self._cutoff())

    def open(self):
        return self.filter(requested_at__gte=self._cutoff())


class SignUpRequest(models.Model):
    """A sign-up waiting for its address to be confirmed by the link mailed to it.

    No account exists until then, so the sign-up form answers alike whether or not the address
    already has one, and the username it asks for is not taken by an unconfirmed request.
    """

    # SHA-256 of the token in the link; the token itself is only ever in the email.
    token_digest = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=150)
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    password = models.CharField(max_length=128, help_text="Hashed, as the account will keep it.")
    requested_at = models.DateTimeField(default=timezone.now)

    objects = SignUpRequestQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.username} <{self.email}>"

    @staticmethod
    def digest(token: str) -> str:
        """What is stored of a link's token."""
        return hashlib.sha256(token.encode()).hexdigest()


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
