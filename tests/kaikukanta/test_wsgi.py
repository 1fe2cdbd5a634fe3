"""kaikukanta.wsgi, what gunicorn loads: the app with its views imported
and what lives as long as the process frozen out of the cycle collector's
sight (no 70 ms full collections of the whole app in a worker)."""

import json

from tests.processes import production_env, run_python

LOAD_THE_APP = """
import gc, json, sys
import kaikukanta.wsgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "views_imported": "usage.api.views" in sys.modules and "usage.views" in sys.modules,
    "callable": callable(kaikukanta.wsgi.application),
}))
"""


def test_loading_the_app_imports_the_views_and_freezes_them(tmp_path):
    result = run_python(
        "-c", LOAD_THE_APP, env=production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    )

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["callable"] and loaded["views_imported"]
    # Nearly all that is alive is frozen: the collector's full collections look
    # at the few objects made after loading, not at the app's.
    assert loaded["frozen"] > 50_000
    assert loaded["tracked"] < loaded["frozen"] / 20
