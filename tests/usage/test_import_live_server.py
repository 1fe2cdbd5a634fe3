"""Three hostile uploads at once to a live server shaped like production
(gunicorn, the image's three sync workers): each is refused within its
budget, and /healthz keeps answering meanwhile (issue 9: before, the workers
timed out and /healthz stopped answering for 35 s)."""

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.processes import BASE_DIR, PASSED_THROUGH, run_python
from tests.usage import hostile_files

# Run in the server's own database: the network of tests.conftest, and a
# session of Venue A's contact person.
SETUP = """
import json
import django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
from tests.conftest import _build_network
net = _build_network()
session = SessionStore()
session[SESSION_KEY] = str(net.venue_contact.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = net.venue_contact.get_session_auth_hash()
session.create()
print(json.dumps({"site": net.venue_a.pk, "session": session.session_key}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    setup = run_python("-c", SETUP, env=env)
    assert setup.returncode == 0, setup.stderr
    scene = json.loads(setup.stdout.strip().splitlines()[-1])
    port = _free_port()
    environment = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "kaikukanta.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",  # the image's WEB_CONCURRENCY
            "--timeout",
            "30",
            "--no-control-socket",
        ],
        cwd=BASE_DIR,
        env=environment | env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        yield url, scene
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _upload(url: str, scene: dict, data: bytes) -> requests.Response:
    session = requests.Session()
    session.cookies.set("sessionid", scene["session"])
    session.headers["Accept-Language"] = "en"
    page = f"{url}/sites/{scene['site']}/imports/new/"
    session.get(page, timeout=30).raise_for_status()
    return session.post(
        page,
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files={"file": ("uses.xlsx", data)},
        timeout=60,
    )


def test_three_hostile_uploads_at_once_leave_healthz_answering(server):
    url, scene = server
    bomb = hostile_files.merge_bomb(200)

    probes: list[tuple[int, float]] = []
    with ThreadPoolExecutor(max_workers=3) as pool:
        uploads = [pool.submit(_upload, url, scene, bomb) for _ in range(3)]
        while not all(upload.done() for upload in uploads):
            started = time.monotonic()
            response = requests.get(f"{url}/healthz", timeout=2)
            probes.append((response.status_code, time.monotonic() - started))
            time.sleep(0.1)
        answers = [upload.result() for upload in uploads]

    assert probes, "the uploads ended before /healthz was asked"
    assert all(status == 200 and took < 2 for status, took in probes), probes
    for answer in answers:
        assert answer.status_code == 200
        assert "merged cells cover more than 100,000 cells" in answer.text
        assert "Nothing was saved." in answer.text
