from __future__ import annotations

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "web.assets"
    label = "assets"
    verbose_name = "Community assets"
