"""Running Python in a fresh process with an environment the test controls:
for what happens when settings are imported, which cannot be undone inside
the test process (tests/settings.py has already put values in os.environ)."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
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


# ---------------------------------------------------------------------------
# App servers and HTTP sessions for tests that run the app as in production
# ---------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn serving the app on a free port of 127.0.0.1 with `env`; a
    context manager that stops it (and its workers) on the way out."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, log_path: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        environment.update(env)
        self._log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kaikukanta.wsgi",
                "--config",
                "python:kaikukanta.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--no-control-socket",
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.port} ended with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise TimeoutError(f"gunicorn on {self.port} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: it and its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> "Gunicorn":
        try:
            self.wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class Browser:
    """An HTTP client with its own cookies, like one browser: it can sign in
    through the login form and then follow the session to any server."""

    def __init__(self, language: str = "en"):
        self.cookies = http.cookiejar.CookieJar()
        self.language = language
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(
        self,
        url: str,
        *,
        data: dict | bytes | None = None,
        headers: dict | None = None,
        method: str | None = None,
    ) -> tuple[int, dict, bytes]:
        """(status, headers, body); redirects are answered, not followed."""
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            url,
            data=data,
            headers={"Accept-Language": self.language, **(headers or {})},
            method=method,
        )
        try:
            with self._opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def log_in(self, server_url: str, email: str, password: str) -> None:
        """Sign in through the login form, as a person does (CSRF token and all)."""
        status, _headers, page = self.request(f"{server_url}/accounts/login/")
        assert status == 200, status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, _headers, _body = self.request(
            f"{server_url}/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": email,
                "password": password,
            },
            headers={"Referer": f"{server_url}/accounts/login/"},
        )
        assert status == 302, f"the login answered {status}"

    def verify_second_factor(self, server_url: str, totp_key: str) -> None:
        """The second step of logging in, with the current code of an
        authenticator app that holds totp_key (hex, as django-otp stores it)."""
        from django_otp.oath import TOTP

        url = f"{server_url}/accounts/two-factor/"
        status, _headers, page = self.request(url)
        assert status == 200, status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the second-factor page"
        code = TOTP(bytes.fromhex(totp_key)).token()
        status, _headers, _body = self.request(
            url,
            data={"csrfmiddlewaretoken": token.group(1).decode(), "code": f"{code:06d}"},
            headers={"Referer": url},
        )
        assert status == 302, f"the second factor answered {status}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hands redirects back to the caller (as an answer with their status)."""

    def redirect_request(self, *args, **kwargs):
        return None
