from __future__ import annotations

from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "web.areas"
    label = "areas"
    verbose_name = "Areas"
