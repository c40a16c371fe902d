from __future__ import annotations

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "web.assets"
    label = "assets"
    verbose_name = "Community assets"

    def ready(self) -> None:
        from web.assets.need_sections import register

        register()
