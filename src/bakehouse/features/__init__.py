"""Features as of each child's prediction date, from the linked analysis zone."""

from __future__ import annotations

from bakehouse.features.asof import LeakageError
from bakehouse.features.build import FeatureSet, build_features, connect
from bakehouse.features.catalogue import CATALOGUE, Feature

__all__ = ["CATALOGUE", "Feature", "FeatureSet", "LeakageError", "build_features", "connect"]
