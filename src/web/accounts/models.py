"""Accounts. A person's role decides every page they may open (see ``access``); there are no
per-person permissions or groups to drift out of step with it."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils import timezone

from web.accounts.roles import Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, username: str, password: str | None = None, *, role: str, **fields: Any
    ) -> User:
        user = self.model(username=self.model.normalize_username(username), role=role, **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: Any) -> User:
        """Used by ``manage.py createsuperuser``: the account is an administrator."""
        role = fields.pop("role", Role.ADMINISTRATOR)
        if role != Role.ADMINISTRATOR:
            raise ValueError("A superuser must have the administrator role.")
        return self.create_user(username, password, role=role, **fields)


class User(AbstractBaseUser):
    username = models.CharField(
        max_length=150,
        unique=True,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only.",
    )
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(
        default=True,
        help_text="Clear this instead of deleting the account: its history stays in the log.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("username",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_known"
            ),
        )

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff(self) -> bool:
        """Only administrators reach the admin site."""
        return self.role == Role.ADMINISTRATOR

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_active and self.is_staff

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_staff
