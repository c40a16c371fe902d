from __future__ import annotations

from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "web.fieldwork"
    label = "fieldwork"
    verbose_name = "Fieldwork and surveys"

    def ready(self) -> None:
        from web.fieldwork.held import held_items
        from web.fieldwork.retention import expire_fieldwork
        from web.insight.moderation import add_held_source
        from web.insight.retention import add_expiry

        add_held_source(held_items)
        add_expiry(expire_fieldwork)
