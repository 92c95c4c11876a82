import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from tests.helpers import REPO
from training.settings import TrainSettings


def test_an_unknown_promotion_metric_fails_when_settings_are_read():
    with pytest.raises(ValidationError, match="promotion_metric"):
        TrainSettings(promotion_metric="accuracy")


def test_the_command_reports_invalid_settings_without_a_traceback(tmp_path):
    env = {**os.environ, "LEADGRADE_HOME": str(tmp_path), "LEADGRADE_PROMOTION_METRIC": "acc"}
    done = subprocess.run(
        [sys.executable, "-m", "leadgrade.cli", "promote"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid settings" in done.stderr
    assert "promotion_metric" in done.stderr
    assert "Traceback" not in done.stderr
