"""Modelling: temporal validation, candidate models, calibration, metrics, fairness audit,
explanations, the model card and transparency record, and the artefact store."""

from __future__ import annotations

from bakehouse.modelling.pipeline import TrainOptions, TrainResult, train
from bakehouse.modelling.split import ModelError

__all__ = ["ModelError", "TrainOptions", "TrainResult", "train"]
