"""``make fuzz``: schemathesis against the live schema of a real server, keys configured.

A tiny real model is trained here, ``leadgrade serve`` runs it on 127.0.0.1 with a keys
file, and schemathesis calls every operation with an admin key (so every operation is
reached past the key check): every phase (examples, coverage, fuzzing, stateful), at least
100 generated cases per operation, every check. Exit code 0 only with zero 5xx answers, no
response outside its documented schema or status codes, every schema-valid request accepted
and every schema-violating one refused. ``make fuzz`` and CI run exactly this;
``FUZZ_ARGS`` adds schemathesis options for a local run (e.g. ``--max-examples 20``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from models.saved import save_scorer
from serving.keys import hash_key
from tests.helpers import REPO, free_port, tiny_training, wait_ready

ADMIN_KEY = "fuzz-admin-key-0123456789abcdef"
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
# Extra schemathesis options for a local run; CI passes none (see .ci/run).
EXTRA = os.environ.get("FUZZ_ARGS", "").split()
# Positive cases draw their date-times from the window the service accepts.
HOOKS = "benchmarks.fuzz_hooks"
# What the schema cannot state, per operation (see the file).
CONFIG = REPO / "benchmarks" / "fuzz.toml"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="leadgrade-fuzz-") as tmp:
        home = Path(tmp)
        model = save_scorer(tiny_training().scorer, home / "model")
        keys = home / "keys.toml"
        keys.write_text(
            f'[[key]]\nclient = "fuzz"\nroles = ["admin"]\nsha256 = "{hash_key(ADMIN_KEY)}"\n'
        )
        port = free_port()
        env = {
            **os.environ,
            "LEADGRADE_HOME": str(home),
            "LEADGRADE_MODEL_URI": str(model),
            "LEADGRADE_MODEL_POLL_SECONDS": "0",
            "LEADGRADE_DATABASE_URL": f"sqlite:///{home / 'leads.db'}",
            "LEADGRADE_KEYS_FILE": str(keys),
        }
        serve = [sys.executable, "-m", "leadgrade.cli", "serve", "--port", str(port)]
        with (home / "serve.log").open("w") as log:
            server = subprocess.Popen(serve, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, server)
            return _fuzz(url)
        finally:
            server.terminate()
            server.wait(timeout=60)


def _fuzz(url: str) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--header",
        f"Authorization: Bearer {ADMIN_KEY}",
        "--seed",
        os.environ.get("FUZZ_SEED", "1"),
        # One worker: two threads generating cases trip a race in CPython 3.11.7's ast module
        # (gh-106905, fixed in 3.11.8) that Hypothesis reaches while describing strategies.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        *EXTRA,
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS}
    return subprocess.run(command, cwd=REPO, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
