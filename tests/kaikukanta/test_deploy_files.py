"""deploy/: the compose file of the several-server topology (docs/deployment.md),
checked as far as a machine without a Docker engine can: its structure, the
files it mounts, the settings it sets, and the load balancer's configuration
(with haproxy -c where HAProxy is installed)."""

import re
import shutil
import subprocess

import pytest
import yaml

from kaikukanta.settings import BASE_DIR

DEPLOY = BASE_DIR / "deploy"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_topology_has_a_load_balancer_app_servers_redis_a_primary_and_a_replica(compose):
    services = compose["services"]
    assert {"lb", "app", "redis", "db", "replica", "migrate"} <= set(services)
    assert services["app"]["deploy"]["replicas"] >= 2
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on an unknown service {needed}"


def test_the_app_servers_share_the_database_the_replica_and_redis(compose):
    env = compose["services"]["app"]["environment"]
    assert "@db:5432/" in env["DATABASE_URL"]
    assert "@replica:5432/" in env["DATABASE_REPLICA_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    settings_text = (BASE_DIR / "kaikukanta" / "settings.py").read_text()
    for name in env:
        assert f'"{name}"' in settings_text, f"settings.py does not read {name}"


def test_every_file_compose_mounts_exists(compose):
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    assert (DEPLOY / "kaikukanta.env.example").exists()


def test_the_replica_is_a_hot_standby_made_with_pg_basebackup():
    start = (DEPLOY / "replica-start.sh").read_text()
    assert re.search(r"pg_basebackup .*-R", start)
    assert "hot_standby=on" in start


def test_the_load_balancer_checks_healthz_on_the_image_port_and_hides_metrics():
    config = (DEPLOY / "haproxy.cfg").read_text()
    assert "uri /healthz" in config
    assert "app:8000" in config
    assert "EXPOSE 8000" in (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"deny .*path /metrics", config)


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="HAProxy is not installed here")
def test_haproxy_accepts_the_configuration():
    done = subprocess.run(
        ["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_shell_scripts_parse():
    for script in ("primary-init.sh", "replica-start.sh"):
        done = subprocess.run(["sh", "-n", str(DEPLOY / script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
