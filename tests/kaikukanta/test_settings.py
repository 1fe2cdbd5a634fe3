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
        ("TRUSTED_PROXY_COUNT", "two"),
        ("SESSION_IDLE_TIMEOUT", "8h"),
        ("SECURE_HSTS_PRELOAD", "perhaps"),
        ("DATABASE_PREPARED_STATEMENTS", "yes please"),
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


PRINT_SECURITY = (
    "-c",
    "from kaikukanta import settings as s; "
    "print(s.SECURE_HSTS_PRELOAD, s.SECOND_FACTOR_REQUIRED_FOR, s.OTP_WEBAUTHN_RP_ID, "
    "s.OTP_WEBAUTHN_ALLOWED_ORIGINS, s.SESSION_COOKIE_AGE)",
)


def test_hsts_preload_is_off_unless_a_deployment_opts_in(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    default = run_python(*PRINT_SECURITY, env=env)
    opted_in = run_python(*PRINT_SECURITY, env=env | {"SECURE_HSTS_PRELOAD": "1"})

    assert default.stdout.startswith("False "), default.stderr
    assert opted_in.stdout.startswith("True "), opted_in.stderr


def test_hsts_is_sent_without_preload_by_default(client):
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_takes_the_passkey_origin_from_the_site_url(tmp_path):
    result = run_python(*PRINT_SECURITY, env=production_env(f"sqlite:///{tmp_path / 'db'}"))
    assert "kaikukanta.example.fi ['https://kaikukanta.example.fi'] 28800" in result.stdout


def test_the_second_factor_can_be_required_of_more_roles_but_never_of_fewer(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    more = run_python(*PRINT_SECURITY, env=env | {"SECOND_FACTOR_REQUIRED_FOR": "venue_contact"})
    cashiers = run_python(*PRINT_SECURITY, env=env | {"SECOND_FACTOR_REQUIRED_FOR": "cashier"})

    assert "['coordinator', 'national_admin', 'venue_contact']" in more.stdout, more.stderr
    assert cashiers.returncode != 0
    assert "SECOND_FACTOR_REQUIRED_FOR may name venue_contact and distributor" in cashiers.stderr


PRINT_PREPARE_THRESHOLD = (
    "-c",
    "from kaikukanta import settings; "
    "print(settings.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'))",
)


@pytest.mark.parametrize(("value", "threshold"), [(None, "5"), ("1", "5"), ("0", "None")])
def test_prepared_statements_are_on_for_postgresql_unless_turned_off(value, threshold):
    env = {"DATABASE_URL": "postgres://kaikukanta@db.example:5432/kaikukanta"}
    if value is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = value

    result = run_python(*PRINT_PREPARE_THRESHOLD, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == threshold
