"""The roles an account can hold. Stored values never change; labels may."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PARTNER_ANALYST = "analyst", "Partner analyst"
    PARTNER_VIEWER = "viewer", "Partner viewer"
    COMMUNITY_MEMBER = "community", "Community member"
    CUSTODIAN = "custodian", "Data custodian or data protection officer"
    ADMINISTRATOR = "administrator", "Administrator"
