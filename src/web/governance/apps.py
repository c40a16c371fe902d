from __future__ import annotations

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "web.governance"
    label = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from web.governance import receivers

        receivers.connect()
