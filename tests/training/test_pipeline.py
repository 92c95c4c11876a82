import pytest

from features.errors import DataError
from features.spec import demo_spec
from tests.helpers import tiny_training
from training.demo_data import generate_leads
from training.pipeline import LABEL_COLUMN, train_scorer


def test_model_beats_chance_and_grades_separate_converters():
    result = tiny_training()
    model = result.evaluations["model"]
    assert model.roc_auc is not None
    assert model.roc_auc > 0.75
    assert model.a_over_d is not None
    assert model.a_over_d > 3


def test_feedback_columns_are_never_features():
    names = tiny_training().scorer.transformer.feature_names_out_
    assert not {"loss_reason", "sales_rating", "status"} & set(names)


def test_holdout_is_the_most_recent_labelled_leads():
    result = tiny_training()
    assert set(result.holdout[LABEL_COLUMN].unique()) == {0, 1}
    window_end = result.scorer.card.data.window_end
    assert result.holdout["created_at"].max().to_pydatetime() == window_end


def test_training_needs_both_won_and_lost_leads():
    leads = generate_leads(300, seed=5)
    leads["status"] = "lost"
    with pytest.raises(DataError, match="found 0 won and"):
        train_scorer(leads, demo_spec())
