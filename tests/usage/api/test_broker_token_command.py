"""python manage.py broker_token create | revoke | list"""

import io

import pytest
from django.core.management import CommandError, call_command

from kaikukanta.models import AuditEntry
from usage import brokers
from usage.models import Broker, BrokerToken


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("broker_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_makes_the_broker_gives_it_the_sites_and_prints_a_working_token(net, api):
    out, err = run(
        "create", "Lippu Oy", "--site", str(net.venue_a.pk), "--site", str(net.venue_a2.pk)
    )

    token = out.strip()
    broker = Broker.objects.get(name="Lippu Oy")
    assert set(broker.sites.all()) == {net.venue_a, net.venue_a2}
    assert brokers.authenticate(token).broker == broker
    assert token not in err
    assert api(token).get("/api/v1/sites").status_code == 200
    entry = AuditEntry.objects.get(action="broker_token.created")
    assert entry.actor_label == "manage.py broker_token" and token not in str(entry.data)


def test_create_again_adds_sites_and_a_second_token(net):
    run("create", "Lippu Oy", "--site", str(net.venue_a.pk))
    _out, _err = run(
        "create", "Lippu Oy", "--site", str(net.venue_b.pk), "--area", str(net.area_b.pk)
    )

    broker = Broker.objects.get(name="Lippu Oy")
    assert set(broker.sites.all()) == {net.venue_a, net.venue_b}
    assert broker.area == net.area_b and broker.tokens.count() == 2


@pytest.mark.parametrize("site", ["999999", "dist_a"])
def test_create_refuses_unknown_and_distributor_sites(net, site):
    site_id = str(net.dist_a.pk) if site == "dist_a" else site
    with pytest.raises(CommandError):
        run("create", "Lippu Oy", "--site", site_id)
    assert not Broker.objects.exists()


def test_create_needs_a_site(net):
    with pytest.raises(CommandError):
        run("create", "Lippu Oy")
    assert not Broker.objects.exists()


def test_revoke_by_prefix_and_list_shows_prefixes_only(net, api):
    token = run("create", "Lippu Oy", "--site", str(net.venue_a.pk), "--label", "kassa")[0].strip()
    prefix = token[:12]

    out, _err = run("revoke", prefix)
    assert "Revoked" in out
    assert BrokerToken.objects.get(prefix=prefix).revoked_at is not None
    assert api(token).get("/api/v1/sites").status_code == 401
    assert "already" in run("revoke", prefix)[0]

    listing = run("list")[0]
    assert prefix in listing and "kassa" in listing and "revoked" in listing
    assert token not in listing


def test_revoke_an_unknown_prefix_fails(db):
    with pytest.raises(CommandError):
        run("revoke", "kkb_nothing0")
