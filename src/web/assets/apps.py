from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class AssetsConfig(AppConfig):
    name = "web.assets"
    label = "assets"
    verbose_name = "Community assets"

    def ready(self) -> None:
        from web.assets.need_sections import register

        register()
        post_migrate.connect(_install_triggers, sender=self)


def _install_triggers(using: str, **kwargs: Any) -> None:
    # After every migration: SQLite drops a table's triggers when a migration rebuilds it.
    from web.assets.freshness import install_triggers

    install_triggers(connections[using])
