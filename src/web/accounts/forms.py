from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm

from web.core.forms import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
            "inactive": "This account has been closed. Ask an administrator if you need it back.",
        }
        username = self.fields["username"]
        username.error_messages["required"] = "Enter your username"
        username.widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        )
        username.widget.attrs.pop("autofocus", None)
        password = self.fields["password"]
        password.error_messages["required"] = "Enter your password"
        # Field.template_name (Django 5.0) is not in django-stubs yet.
        password.template_name = "core/forms/password_field.html"  # type: ignore[attr-defined]
        password.widget.attrs.update(
            {
                "class": "govuk-password-input__input govuk-js-password-input-input",
                "autocomplete": "current-password",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        )
