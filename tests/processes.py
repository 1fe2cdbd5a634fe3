"""Running Python in a fresh process with an environment the test controls:
for what happens when settings are imported, which cannot be undone inside
the test process (tests/settings.py has already put values in os.environ)."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Only what a process needs to run; none of the app's own variables leak in.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "VIRTUAL_ENV")

# A production configuration: the values an operator sets (see README); the
# secret key is 64 characters.
PRODUCTION_SECRET_KEY = "k8Jq2vNw5Zr7Tx1Lp4Hs9Gd3Fb6Mc0Yq8Ue2Wi5Oa7Sy1Rt4Pl9Kj3Hg6Df0Zx2C"


def production_env(database_url: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "ALLOWED_HOSTS": "kaikukanta.example.fi",
        "SITE_URL": "https://kaikukanta.example.fi",
        "DATABASE_URL": database_url,
    }


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """python ARGS… in the project folder, with only `env` and the basics set."""
    environment = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
