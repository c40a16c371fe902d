"""Calibration maps from a model's raw log-odds to probabilities, fitted on held-out predictions.

Platt scaling (``p = sigmoid(slope * raw + intercept)``) keeps contributions additive on the
log-odds scale: a unit's calibrated log-odds is the slope times the sum of its contributions plus
a constant. Isotonic regression is offered too; explanations then use the slope of a Platt fit on
the same held-out predictions. Both are saved as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


@dataclass
class Calibrator:
    method: str  # "platt" or "isotonic"
    slope_: float = 1.0
    intercept_: float = 0.0
    knots_x_: list[float] = field(default_factory=list)
    knots_y_: list[float] = field(default_factory=list)

    def fit(self, raw: np.ndarray, y: np.ndarray) -> Calibrator:
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
        self.slope_ = float(platt.coef_[0, 0])
        self.intercept_ = float(platt.intercept_[0])
        if self.method == "isotonic":
            iso = IsotonicRegression(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4)
            iso.fit(raw, y)
            self.knots_x_ = [float(v) for v in iso.X_thresholds_]
            self.knots_y_ = [float(v) for v in iso.y_thresholds_]
        return self

    def probability(self, raw: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            return np.interp(raw, self.knots_x_, self.knots_y_)
        return sigmoid(self.slope_ * raw + self.intercept_)

    def log_odds(self, raw: np.ndarray) -> np.ndarray:
        return logit(self.probability(raw))

    def to_json(self) -> str:
        return json.dumps(
            {
                "method": self.method,
                "platt": {"slope": self.slope_, "intercept": self.intercept_},
                "isotonic": {"x": self.knots_x_, "y": self.knots_y_},
                "note": "p = sigmoid(slope * raw + intercept) for platt; for isotonic, linear "
                "interpolation between the knots. Explanations scale contributions by the slope.",
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Calibrator:
        body = json.loads(text)
        return cls(
            method=body["method"],
            slope_=body["platt"]["slope"],
            intercept_=body["platt"]["intercept"],
            knots_x_=body["isotonic"]["x"],
            knots_y_=body["isotonic"]["y"],
        )
