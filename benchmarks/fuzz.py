"""``make fuzz``: schemathesis against the live schema of a real server, keys configured.

A tiny real model is trained here, ``leadgrade serve`` runs it on 127.0.0.1 with a keys
file, and schemathesis calls every operation with an admin key (so every operation is
reached past the key check): at least 100 generated cases each, every check. Exit code 0
only with zero 5xx answers and no response outside its documented schema or status codes.
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
# Extra schemathesis options, e.g. the known contract gaps CI skips (see .ci/run).
EXTRA = os.environ.get("FUZZ_ARGS", "").split()


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
        "--workers",
        "2",
        "--request-timeout",
        "30",
        *EXTRA,
    ]
    return subprocess.run(command, cwd=REPO, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
