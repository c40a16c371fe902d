"""Sign-in with Django's view and the partnership's form, and the page shown when sign-in is
paused after too many failures. Sign-out is Django's LogoutView."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from web.accounts.forms import SignInForm


def _sign_in_limits() -> dict[str, int]:
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": settings.SIGN_IN_LOCKOUT_MINUTES,
    }


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **_sign_in_limits()}


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None,
    credentials: dict[str, Any] | None,
) -> HttpResponse:
    """django-axes calls this (AXES_LOCKOUT_CALLABLE) instead of the view once locked out."""
    return render(
        request,
        "accounts/locked_out.html",
        _sign_in_limits(),
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
