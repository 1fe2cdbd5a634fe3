"""Settings come from the environment: production refuses to start without a
secret, a mistyped value stops the start instead of being guessed at, and
Django's deployment checks pass with production values."""

from pathlib import Path

import pytest

from tests.processes import PRODUCTION_SECRET_KEY, production_env, run_python

IMPORT_SETTINGS = ("-c", "import kaikukanta.settings")
DEPLOY_CHECK = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")


PRINT_DEBUG = ("-c", "from kaikukanta import settings; print(settings.DEBUG)")


@pytest.mark.parametrize("debug", ["0", "false"])
def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(debug):
    # The production image sets DEBUG=0 (Dockerfile).
    result = run_python(*IMPORT_SETTINGS, env={"DEBUG": debug})

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("env", [{}, {"DEBUG": "1"}], ids=["nothing set", "DEBUG=1"])
def test_the_demo_starts_without_a_secret_key_in_development_mode(env):
    result = run_python(*PRINT_DEBUG, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_secret_key_turns_debug_off_by_default():
    result = run_python(*PRINT_DEBUG, env={"SECRET_KEY": PRODUCTION_SECRET_KEY})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_production_image_turns_debug_off():
    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    assert "ENV DEBUG=0" in dockerfile


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(PRODUCTION_SECRET_KEY + "\n")

    result = run_python(
        "-c",
        "from kaikukanta import settings; print(settings.SECRET_KEY)",
        env={"SECRET_KEY_FILE": str(secret)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == PRODUCTION_SECRET_KEY


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SECURE_SSL_REDIRECT", "sometimes"),
        ("CONN_MAX_AGE", "a minute"),
        ("EMAIL_PORT", "smtp"),
    ],
)
def test_it_refuses_a_value_that_is_not_a_boolean_or_a_number(tmp_path, name, value):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}") | {name: value}

    result = run_python(*IMPORT_SETTINGS, env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be" in result.stderr
    assert repr(value) in result.stderr


def test_deployment_checks_pass_with_production_values(tmp_path):
    result = run_python(*DEPLOY_CHECK, env=production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deployment_checks_fail_when_production_turns_https_off(tmp_path):
    """The check above can fail: here HSTS and the HTTPS redirect are off."""
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}") | {
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_SSL_REDIRECT": "0",
    }

    result = run_python(*DEPLOY_CHECK, env=env)

    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr
