from __future__ import annotations

from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "web.transparency"
    label = "transparency"
    verbose_name = "How this works"
