import numpy as np
import pandas as pd
import pytest

from training.split import split_leads


def test_time_ordered_split_keeps_the_most_recent_leads_for_holdout():
    n = 200
    created = pd.Series(pd.date_range("2025-01-01", periods=n, freq="D")).sample(
        frac=1, random_state=0
    )
    y = np.arange(n) % 2
    split = split_leads(y, created.reset_index(drop=True))
    dates = created.reset_index(drop=True)
    assert split.method == "time-ordered"
    assert dates.iloc[split.train].max() < dates.iloc[split.valid].min()
    assert dates.iloc[split.valid].max() < dates.iloc[split.holdout].min()
    assert sorted(np.concatenate([split.train, split.valid, split.holdout])) == list(range(n))


def test_stratified_split_keeps_the_win_rate_in_every_part():
    y = np.array([1] * 100 + [0] * 300)
    split = split_leads(y, None, seed=1)
    assert split.method == "stratified"
    for part in (split.train, split.valid, split.holdout):
        assert y[part].mean() == pytest.approx(0.25, abs=0.02)


def test_shares_are_validated():
    with pytest.raises(ValueError, match=r"between 0 and 0\.5"):
        split_leads(np.zeros(10), None, holdout_share=0.7)
