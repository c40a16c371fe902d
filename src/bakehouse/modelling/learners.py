"""The two candidate models behind one small interface, each saved as text, never pickled.

- :class:`Logistic`: scikit-learn's L2-penalised logistic regression on standardised features,
  a missing value filled with the training median and flagged by an indicator column. Saved as
  JSON (medians, scales, coefficients). Contributions are exact: coefficient times the
  standardised difference from the training mean, summed per feature with its indicator.
- :class:`Boosted`: LightGBM gradient-boosted trees, optionally monotone in each feature's known
  direction. Saved in LightGBM's text format (reloadable) and as its JSON dump. Contributions are
  TreeSHAP values from LightGBM itself (``pred_contrib=True``).

``raw`` scores and contributions are on the log-odds scale; contributions of a unit sum, with
the bias, to its raw score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import lightgbm as lgb
import numpy as np
from sklearn.linear_model import LogisticRegression

from bakehouse.recipes.schema import LightGBMSettings, LogisticSettings


class Learner(Protocol):
    kind: str

    def raw(self, x: np.ndarray) -> np.ndarray: ...

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, float]: ...

    def save(self) -> dict[str, str]: ...


@dataclass
class Logistic:
    """Standardised logistic regression with missing-value indicators."""

    settings: LogisticSettings
    kind: str = "logistic"
    medians_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    missing_: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    means_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scales_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coef_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intercept_: float = 0.0

    def _design(self, x: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(x), self.medians_, x)
        flags = np.isnan(x[:, self.missing_]).astype(float)
        return np.hstack([filled, flags])

    def fit(self, x: np.ndarray, y: np.ndarray) -> Logistic:
        medians = np.nanmedian(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0)
        self.medians_ = np.nan_to_num(medians)
        self.missing_ = np.isnan(x).any(axis=0)
        design = self._design(x)
        self.means_ = design.mean(axis=0)
        scales = design.std(axis=0)
        self.scales_ = np.where(scales > 0, scales, 1.0)
        model = LogisticRegression(
            C=self.settings.c, max_iter=self.settings.max_iter, solver="newton-cholesky"
        )
        model.fit((design - self.means_) / self.scales_, y)
        self.coef_ = model.coef_[0] / self.scales_  # per unit of the unscaled design column
        self.intercept_ = float(model.intercept_[0] - (self.coef_ * self.means_).sum())
        return self

    def raw(self, x: np.ndarray) -> np.ndarray:
        return self._design(x) @ self.coef_ + self.intercept_

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        parts = (self._design(x) - self.means_) * self.coef_
        width = x.shape[1]
        per_feature = parts[:, :width].copy()
        per_feature[:, np.flatnonzero(self.missing_)] += parts[:, width:]
        return per_feature, float(self.intercept_ + (self.coef_ * self.means_).sum())

    def save(self) -> dict[str, str]:
        body = {
            "kind": self.kind,
            "medians": self.medians_.tolist(),
            "missing_indicator": self.missing_.tolist(),
            "means": self.means_.tolist(),
            "coefficients": self.coef_.tolist(),
            "intercept": self.intercept_,
            "note": "raw log-odds = design @ coefficients + intercept; design = features with "
            "NaN replaced by medians, then 0/1 indicators of NaN for the flagged columns",
        }
        return {"logistic.json": json.dumps(body, indent=1)}

    @classmethod
    def load(cls, settings: LogisticSettings, text: str) -> Logistic:
        body = json.loads(text)
        model = cls(settings)
        model.medians_ = np.array(body["medians"], dtype=float)
        model.missing_ = np.array(body["missing_indicator"], dtype=bool)
        model.means_ = np.array(body["means"], dtype=float)
        model.coef_ = np.array(body["coefficients"], dtype=float)
        model.intercept_ = float(body["intercept"])
        return model


@dataclass
class Boosted:
    """LightGBM binary classifier with a fixed number of rounds. With ``start`` (a logistic
    regression's settings), the trees start from that model's log-odds fitted on the same
    units, so they add only what the linear model misses; contributions are then the linear
    model's exact terms plus the trees' TreeSHAP values."""

    settings: LightGBMSettings
    directions: list[int]
    rounds: int
    threads: int = 2
    start: LogisticSettings | None = None
    kind: str = "lightgbm"
    booster_: lgb.Booster | None = None
    base_: Logistic | None = None

    def params(self) -> dict[str, Any]:
        s = self.settings
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": s.learning_rate,
            "num_leaves": s.num_leaves,
            "min_data_in_leaf": s.min_data_in_leaf,
            "feature_fraction": s.feature_fraction,
            "bagging_fraction": s.bagging_fraction,
            "bagging_freq": s.bagging_freq,
            "lambda_l2": s.lambda_l2,
            "seed": s.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.threads,
            "verbose": -1,
        }
        if s.monotone and any(self.directions):
            params["monotone_constraints"] = list(self.directions)
            params["monotone_constraints_method"] = "basic"
        return params

    def start_scores(self, x: np.ndarray, y: np.ndarray) -> Logistic | None:
        """Fit the starting model (if any) on these units."""
        return None if self.start is None else Logistic(self.start).fit(x, y)

    def fit(self, x: np.ndarray, y: np.ndarray, names: list[str] | None = None) -> Boosted:
        self.base_ = self.start_scores(x, y)
        init = None if self.base_ is None else self.base_.raw(x)
        data = lgb.Dataset(x, y, feature_name=names or "auto", init_score=init)
        self.booster_ = lgb.train(self.params(), data, num_boost_round=self.rounds)
        return self

    def _booster(self) -> lgb.Booster:
        if self.booster_ is None:
            raise RuntimeError("fit the model first")
        return self.booster_

    def raw(self, x: np.ndarray) -> np.ndarray:
        trees = np.asarray(self._booster().predict(x, raw_score=True))
        return trees if self.base_ is None else trees + self.base_.raw(x)

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        values = np.asarray(self._booster().predict(x, pred_contrib=True))
        per_feature, bias = values[:, :-1], float(values[0, -1]) if len(values) else 0.0
        if self.base_ is not None:
            linear, linear_bias = self.base_.contributions(x)
            per_feature, bias = per_feature + linear, bias + linear_bias
        return per_feature, bias

    def save(self) -> dict[str, str]:
        booster = self._booster()
        files = {
            "lightgbm.txt": booster.model_to_string(),
            "lightgbm.json": json.dumps(booster.dump_model(), indent=None),
        }
        if self.base_ is not None:
            files["lightgbm_start.json"] = self.base_.save()["logistic.json"]
        return files

    @classmethod
    def load(
        cls,
        settings: LightGBMSettings,
        directions: list[int],
        files: dict[str, str],
        start: LogisticSettings | None = None,
    ) -> Boosted:
        booster = lgb.Booster(model_str=files["lightgbm.txt"])
        model = cls(settings, directions, rounds=booster.current_iteration(), start=start)
        model.booster_ = booster
        if "lightgbm_start.json" in files and start is not None:
            model.base_ = Logistic.load(start, files["lightgbm_start.json"])
        return model


Fold = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def choose_rounds(
    template: Boosted, folds: list[Fold], patience: int = 100
) -> tuple[int, list[tuple[lgb.Booster, Logistic | None]]]:
    """The number of rounds minimising the held-out log loss summed over ``folds`` (train x,
    train y, held-out x, held-out y), and each fold's booster and starting model. A fold stops
    ``patience`` rounds after its own best; its loss is held at its last value beyond that."""
    most = template.settings.max_rounds
    total = np.zeros(most)
    fitted = []
    params = {**template.params(), "metric": "binary_logloss"}
    for x_train, y_train, x_held, y_held in folds:
        base = template.start_scores(x_train, y_train)
        curve: dict[str, Any] = {}
        train = lgb.Dataset(
            x_train, y_train, init_score=None if base is None else base.raw(x_train)
        )
        held = lgb.Dataset(
            x_held,
            y_held,
            reference=train,
            init_score=None if base is None else base.raw(x_held),
        )
        booster = lgb.train(
            params,
            train,
            num_boost_round=most,
            valid_sets=[held],
            valid_names=["held"],
            callbacks=[lgb.record_evaluation(curve), lgb.early_stopping(patience, verbose=False)],
        )
        fitted.append((booster, base))
        losses = np.asarray(curve["held"]["binary_logloss"])
        total += np.concatenate([losses, np.full(most - len(losses), losses[-1])]) * len(y_held)
    return int(np.argmin(total)) + 1, fitted
