from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "web.insight"
    label = "insight"
    verbose_name = "Community insight"

    def ready(self) -> None:
        from web.insight.profile import add_profile_section

        add_profile_section()
