"""What starting the service costs: MLflow is imported only to read its registry, and the
garbage collector paused for the start-up imports is running again whatever happens."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from leadgrade.cli import app
from tests.helpers import REPO


def test_building_the_service_does_not_import_mlflow():
    """MLflow costs about as much as LightGBM to import: a model loaded from a folder, and
    the modules of the app, do without it (see models.registry)."""
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys\n"
            "from leadgrade.cli import app\n"
            "from serving.app import create_app\n"
            "create_app()\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow')))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(listed.stdout) == []


def test_a_serve_that_cannot_start_leaves_the_garbage_collector_running(tmp_path: Path):
    env = {
        "LEADGRADE_HOME": str(tmp_path / "home"),
        "LEADGRADE_KEYS_FILE": str(tmp_path / "no-such-keys.toml"),
    }
    result = CliRunner().invoke(app, ["serve", "--port", "1"], env=env)
    assert result.exit_code != 0
    assert "no-such-keys.toml" in result.output
    assert gc.isenabled()
