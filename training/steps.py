"""What each training step hands to the next (see :func:`training.pipeline.train_scorer`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.pipeline import Pipeline

from features.transform import LeadTransformer
from features.validation import ValidationReport
from models.policy import GradePolicy
from training.choice import ModelChoice
from training.evaluate import Evaluation
from training.labels import Labels
from training.leakage import LeakageAudit
from training.loss_reasons import LossReasonResult
from training.recency import ShippedFit
from training.split import Split


@dataclass
class Prepared:
    """Validated, labelled and split leads, and the warnings found on the way."""

    report: ValidationReport
    labels: Labels
    split: Split
    parts: dict[str, np.ndarray]
    warnings: list[str]


@dataclass
class Fitted:
    """The encoded leads and everything fitted on them."""

    transformer: LeadTransformer
    X: np.ndarray
    params: dict[str, Any]
    booster: lgb.Booster  # tuned, early-stopped on the validation leads
    baseline: Pipeline  # the logistic baseline, fitted on the training leads
    choice: ModelChoice  # the two compared on the validation leads
    shipped: ShippedFit  # the better one, refitted on training + validation, calibrated
    grades: GradePolicy
    importance: dict[str, float]
    leakage: LeakageAudit
    loss_reasons: LossReasonResult


@dataclass
class Tested:
    """Holdout probabilities and evaluations of the model and the baseline."""

    p_model: np.ndarray
    p_base: np.ndarray
    evaluations: dict[str, Evaluation]
