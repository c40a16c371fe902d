"""Accounts in the admin site. Roles replace Django's groups and per-person permissions, so
groups are not offered; every change is written to the governance log."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import Group

from web.accounts.models import User
from web.governance.admin_log import AuditedModelAdmin

admin.site.unregister(Group)


class AccountCreationForm(auth_forms.AdminUserCreationForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("username", "email", "role")


class AccountChangeForm(auth_forms.UserChangeForm):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("username", "email", "role", "is_active")


@admin.register(User)
class UserAdmin(AuditedModelAdmin, auth_admin.UserAdmin):  # type: ignore[type-arg]
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ("username", "role", "email", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "email")
    ordering = ("username",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Role and status", {"fields": ("role", "is_active", "email")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
