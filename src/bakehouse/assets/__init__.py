"""Need against assets: the services of a recipe's kinds within reach of each area, and the gap
between expected need and provision. Area-level figures in, area-level figures out; no Django."""

from __future__ import annotations

from bakehouse.assets.gap import (
    AreaGap,
    AreaNeed,
    AssetGapError,
    GapTable,
    Nearby,
    ServiceSite,
    Term,
    matching_services,
    need_against_assets,
)
from bakehouse.assets.places import lsoa_centroids, services_from_feed

__all__ = [
    "AreaGap",
    "AreaNeed",
    "AssetGapError",
    "GapTable",
    "Nearby",
    "ServiceSite",
    "Term",
    "lsoa_centroids",
    "matching_services",
    "need_against_assets",
    "services_from_feed",
]
