"""Every URL, walked with every role: 200 in scope, a redirect to the login page
for anonymous visitors, 404 outside the user's scope.

`ROUTES` must name every URL the project serves (outside the Django admin,
which `tests/venues/test_admin.py` walks model by model); the completeness
test fails when a new URL has no row here."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import PERSONAS
from tests.factories import CardFactory, OfferingFactory
from tests.usage.offline_helpers import matrix_batch
from tests.venues.onboarding_helpers import onboarding_form_data, onboarding_item
from usage import services
from usage.models import Redemption
from usage.services import record_redemption
from venues.models import Site

LOGIN = "login"  # 302 to the login page
REDIRECT = "redirect"  # 302 somewhere else (e.g. home → the role's page)


@dataclass(frozen=True)
class Case:
    url: Callable  # net → path
    expect: dict  # persona → status (missing personas: `default`)
    default: object = 404
    method: str = "get"
    data: Callable | None = None

    def expected(self, persona: str):
        return self.expect.get(persona, self.default)


def _desk_form(site) -> dict:
    return {"site": site.pk, "card": "NOSUCHCARD", "day": timezone.localdate().isoformat()}


def _desk_use(site, cashier) -> int:
    """A use just recorded at the desk of `site` by `cashier` (plain admission)."""
    card = CardFactory(issued_by=Site.objects.filter(organisation__kind="distributor").first())
    return services.record_redemption(
        card_id=card.card_id, site=site, offering=None, channel="desk", recorded_by=cashier
    ).redemption.pk


SCOPE_ALL = dict.fromkeys(PERSONAS, 200)
# The broker API answers a person (signed in or not) without a token with 401;
# its schema, docs and problem types are public.
API_TOKEN_NEEDED = dict.fromkeys(PERSONAS, 401)
SIGNED_IN = {p: 200 for p in PERSONAS if p != "anonymous"} | {"anonymous": LOGIN}

ROUTES: dict[str, list[Case]] = {
    "home": [
        Case(
            lambda n: reverse("home"),
            dict.fromkeys(PERSONAS, REDIRECT) | {"anonymous": LOGIN},
        )
    ],
    "no_access": [Case(lambda n: reverse("no_access"), SIGNED_IN)],
    "healthz": [Case(lambda n: reverse("healthz"), SCOPE_ALL)],
    # Read by address, not by role (METRICS_ALLOWED_IPS: the test client's
    # 127.0.0.1 by default); tests/kaikukanta/test_observability.py refuses others.
    "metrics": [Case(lambda n: reverse("metrics"), SCOPE_ALL)],
    "set_text_size": [
        Case(
            lambda n: reverse("set_text_size"),
            dict.fromkeys(PERSONAS, REDIRECT),
            method="post",
            data=lambda n: {"size": "large"},
        ),
        Case(lambda n: reverse("set_text_size"), dict.fromkeys(PERSONAS, 405)),
    ],
    "set_language": [
        Case(
            lambda n: reverse("set_language"),
            dict.fromkeys(PERSONAS, REDIRECT),
            method="post",
            data=lambda n: {"language": "sv", "next": "/"},
        )
    ],
    "login": [
        Case(lambda n: reverse("login"), dict.fromkeys(PERSONAS, REDIRECT) | {"anonymous": 200})
    ],
    "logout": [Case(lambda n: reverse("logout"), dict.fromkeys(PERSONAS, LOGIN), method="post")],
    "password_reset": [Case(lambda n: reverse("password_reset"), SCOPE_ALL)],
    "password_reset_done": [Case(lambda n: reverse("password_reset_done"), SCOPE_ALL)],
    "password_reset_confirm": [
        Case(lambda n: reverse("password_reset_confirm", args=["MQ", "bad-token"]), SCOPE_ALL)
    ],
    "password_reset_complete": [Case(lambda n: reverse("password_reset_complete"), SCOPE_ALL)],
    "welcome": [Case(lambda n: reverse("welcome", args=["MQ", "bad-token"]), SCOPE_ALL)],
    "password_change": [Case(lambda n: reverse("password_change"), SIGNED_IN)],
    "password_change_done": [Case(lambda n: reverse("password_change_done"), SIGNED_IN)],
    # The second factor (tests/venues/test_second_factor.py): client_for's
    # coordinator and national admin are verified; the others have no device.
    "second_factor_verify": [
        Case(
            lambda n: reverse("second_factor_verify"),
            dict.fromkeys(PERSONAS, REDIRECT) | {"anonymous": LOGIN},
        )
    ],
    "second_factor_setup": [Case(lambda n: reverse("second_factor_setup"), SIGNED_IN)],
    "second_factor_recovery_codes": [
        Case(
            lambda n: reverse("second_factor_recovery_codes"),
            dict.fromkeys(PERSONAS, REDIRECT)
            | {"anonymous": LOGIN, "coordinator": 200, "national_admin": 200},
        )
    ],
    "account_security": [Case(lambda n: reverse("account_security"), SIGNED_IN)],
    "passkey_remove": [
        Case(
            lambda n: reverse("passkey_remove", args=[1]),
            dict.fromkeys(PERSONAS, REDIRECT) | {"anonymous": LOGIN},
            method="post",
        ),
        Case(
            lambda n: reverse("passkey_remove", args=[1]),
            dict.fromkeys(PERSONAS, 405) | {"anonymous": LOGIN},
        ),
    ],
    # django-otp-webauthn's JSON endpoints: a passkey is never a login of its own.
    "otp_webauthn:credential-registration-begin": [
        Case(
            lambda n: reverse("otp_webauthn:credential-registration-begin"),
            dict.fromkeys(PERSONAS, 200) | {"anonymous": 403},
            method="post",
        )
    ],
    "otp_webauthn:credential-registration-complete": [
        Case(
            lambda n: reverse("otp_webauthn:credential-registration-complete"),
            dict.fromkeys(PERSONAS, 400) | {"anonymous": 403},
            method="post",
        )
    ],
    "otp_webauthn:credential-authentication-begin": [
        Case(
            lambda n: reverse("otp_webauthn:credential-authentication-begin"),
            dict.fromkeys(PERSONAS, 200) | {"anonymous": 403},
            method="post",
        )
    ],
    "otp_webauthn:credential-authentication-complete": [
        Case(
            lambda n: reverse("otp_webauthn:credential-authentication-complete"),
            dict.fromkeys(PERSONAS, 400) | {"anonymous": 403},
            method="post",
        )
    ],
    "venues:national": [
        Case(lambda n: reverse("venues:national"), {"anonymous": LOGIN, "national_admin": 200})
    ],
    "venues:area": [
        Case(
            lambda n: reverse("venues:area", args=[n.area_a.pk]),
            {"anonymous": LOGIN, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:area", args=[n.area_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
    ],
    "venues:site": [
        Case(
            lambda n: reverse("venues:site", args=[n.venue_a.pk]),
            {
                "anonymous": LOGIN,
                "cashier": 200,
                "venue_contact": 200,
                "coordinator": 200,
                "national_admin": 200,
            },
        ),
        Case(
            lambda n: reverse("venues:site", args=[n.venue_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:site", args=[n.dist_a.pk]),
            {"anonymous": LOGIN, "distributor": 200, "coordinator": 200, "national_admin": 200},
        ),
    ],
    "venues:checklist_edit": [
        Case(
            lambda n: reverse("venues:checklist_edit", args=[n.venue_a.pk]),
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:checklist_edit", args=[n.venue_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
    ],
    "venues:invite": [
        Case(
            lambda n: reverse("venues:invite") + f"?site={n.venue_a.pk}",
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:invite") + f"?site={n.dist_a.pk}",
            {"anonymous": LOGIN, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:invite") + f"?area={n.area_a.pk}",
            {"anonymous": LOGIN, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:invite") + f"?area={n.area_b.pk}",
            {"anonymous": LOGIN, "national_admin": 200},
        ),
    ],
    "venues:membership_remove": [
        Case(
            lambda n: reverse(
                "venues:membership_remove", args=[n.other_cashier.memberships.get().pk]
            ),
            {"anonymous": LOGIN, "national_admin": REDIRECT},
            method="post",
        ),
    ],
    "usage:desk": [
        Case(
            lambda n: reverse("usage:desk"),
            {"anonymous": LOGIN, "cashier": 200, "venue_contact": 200},
        ),
        Case(
            lambda n: reverse("usage:desk") + f"?site={n.venue_a.pk}&check=nosuchkey",
            {"anonymous": LOGIN, "cashier": 200, "venue_contact": 200},
        ),
        Case(lambda n: reverse("usage:desk") + f"?site={n.venue_b.pk}", {"anonymous": LOGIN}),
    ],
    "usage:desk_check": [
        # The plain card check: kept in the session, then the desk page (302).
        Case(
            lambda n: reverse("usage:desk_check"),
            {"anonymous": LOGIN, "cashier": REDIRECT, "venue_contact": REDIRECT},
            method="post",
            data=lambda n: _desk_form(n.venue_a),
        ),
        Case(
            lambda n: reverse("usage:desk_check"),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: _desk_form(n.venue_b),
        ),
        Case(lambda n: reverse("usage:desk_check"), {"anonymous": LOGIN}, default=405),
    ],
    "usage:desk_card": [
        Case(
            lambda n: reverse("usage:desk_card"),
            {"anonymous": LOGIN, "cashier": 200, "venue_contact": 200},
            method="post",
            data=lambda n: _desk_form(n.venue_a),
        ),
        Case(
            lambda n: reverse("usage:desk_card"),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: _desk_form(n.venue_b),
        ),
        # A card ID never travels in a URL.
        Case(
            lambda n: reverse("usage:desk_card") + f"?site={n.venue_a.pk}&card=NOSUCHCARD",
            {"anonymous": LOGIN},
            default=405,
        ),
    ],
    "usage:desk_record": [
        # A refusal (an unknown card) renders the desk again: 200 where one may record.
        Case(
            lambda n: reverse("usage:desk_record"),
            {"anonymous": LOGIN, "cashier": 200, "venue_contact": 200},
            method="post",
            data=lambda n: _desk_form(n.venue_a),
        ),
        Case(
            lambda n: reverse("usage:desk_record"),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: _desk_form(n.venue_b),
        ),
        Case(lambda n: reverse("usage:desk_record"), {"anonymous": LOGIN}, default=405),
    ],
    "usage:desk_undo": [
        Case(
            lambda n: reverse("usage:desk_undo", args=[_desk_use(n.venue_a, n.cashier)]),
            # Only the cashier who recorded it undoes it; the venue contact
            # person sees it but voids it on the void page, with a reason.
            {"anonymous": LOGIN, "cashier": REDIRECT, "venue_contact": 403},
            method="post",
        ),
        Case(
            lambda n: reverse("usage:desk_undo", args=[_desk_use(n.venue_b, n.other_cashier)]),
            {"anonymous": LOGIN},
            method="post",
        ),
        Case(
            lambda n: reverse("usage:desk_undo", args=[_desk_use(n.venue_a, n.cashier)]),
            {"anonymous": LOGIN},
            default=405,
        ),
    ],
    "usage:desk_offline": [
        Case(
            lambda n: reverse("usage:desk_offline"),
            {"anonymous": LOGIN, "cashier": 200, "venue_contact": 200},
        )
    ],
    "usage:desk_offline_sync": [
        Case(
            lambda n: reverse("usage:desk_offline_sync"),
            {"anonymous": LOGIN, "cashier": 400, "venue_contact": 400},
            method="post",
        ),
        Case(
            lambda n: reverse("usage:desk_offline_sync"),
            dict.fromkeys(PERSONAS, 405) | {"anonymous": LOGIN},
        ),
    ],
    "usage:service_worker": [Case(lambda n: reverse("usage:service_worker"), SCOPE_ALL)],
    "usage:cards": [
        Case(
            lambda n: reverse("usage:cards", args=[n.dist_a.pk]),
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(
            lambda n: reverse("usage:cards", args=[n.dist_a.pk]) + "?q=KK&state=valid",
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(lambda n: reverse("usage:cards", args=[n.dist_b.pk]), {"anonymous": LOGIN}),
        Case(lambda n: reverse("usage:cards", args=[n.venue_a.pk]), {"anonymous": LOGIN}),
    ],
    "usage:card_register": [
        Case(
            lambda n: reverse("usage:card_register", args=[n.dist_a.pk]),
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(
            lambda n: reverse("usage:card_register", args=[n.dist_a.pk]),
            {"anonymous": LOGIN, "distributor": REDIRECT},
            method="post",
            data=lambda n: {"card_id": "NEWCARD1", "kind": "community", "group_limit": 5},
        ),
        Case(lambda n: reverse("usage:card_register", args=[n.dist_b.pk]), {"anonymous": LOGIN}),
        Case(
            lambda n: reverse("usage:card_register", args=[n.dist_b.pk]),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: {"card_id": "NEWCARD1", "kind": "community", "group_limit": 5},
        ),
    ],
    "usage:card": [
        Case(lambda n: _card_url("usage:card", n.dist_a), {"anonymous": LOGIN, "distributor": 200}),
        Case(lambda n: _card_url("usage:card", n.dist_b), {"anonymous": LOGIN}),
        # Another site's card under one's own site: not found.
        Case(lambda n: _card_url("usage:card", n.dist_b, under=n.dist_a), {"anonymous": LOGIN}),
    ],
    "usage:card_renew": [
        Case(
            lambda n: _card_url("usage:card_renew", n.dist_a),
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(
            lambda n: _card_url("usage:card_renew", n.dist_a),
            {"anonymous": LOGIN, "distributor": REDIRECT},
            method="post",
        ),
        Case(lambda n: _card_url("usage:card_renew", n.dist_b), {"anonymous": LOGIN}),
        Case(
            lambda n: _card_url("usage:card_renew", n.dist_b),
            {"anonymous": LOGIN},
            method="post",
        ),
    ],
    "usage:card_close": [
        Case(
            lambda n: _card_url("usage:card_close", n.dist_a),
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(
            lambda n: _card_url("usage:card_close", n.dist_a),
            {"anonymous": LOGIN, "distributor": REDIRECT},
            method="post",
            data=lambda n: {"reason": "lost"},
        ),
        Case(
            lambda n: _card_url("usage:card_close", n.dist_b),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: {"reason": "lost"},
        ),
    ],
    "usage:card_background": [
        Case(
            lambda n: _card_url("usage:card_background", n.dist_a),
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(
            lambda n: _card_url("usage:card_background", n.dist_a),
            {"anonymous": LOGIN, "distributor": REDIRECT},
            method="post",
            data=lambda n: {"birth_year": 1970, "postal_code": "00100", "children": 1},
        ),
        Case(
            lambda n: _card_url("usage:card_background", n.dist_b),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: {"birth_year": 1970, "postal_code": "00100", "children": 1},
        ),
    ],
    "usage:uses": [
        Case(
            lambda n: reverse("usage:uses", args=[n.venue_a.pk]),
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("usage:uses", args=[n.venue_a.pk]) + "?day=2026-01-31&offering=x",
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("usage:uses", args=[n.venue_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
        Case(lambda n: reverse("usage:uses", args=[n.dist_a.pk]), {"anonymous": LOGIN}),
    ],
    "usage:use_void": [
        Case(
            lambda n: _use_url(n, n.venue_a),
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: _use_url(n, n.venue_a),
            {
                "anonymous": LOGIN,
                "venue_contact": REDIRECT,
                "coordinator": REDIRECT,
                "national_admin": REDIRECT,
            },
            method="post",
            data=lambda n: {"reason": "recorded twice"},
        ),
        Case(
            lambda n: _use_url(n, n.venue_b),
            {"anonymous": LOGIN, "national_admin": REDIRECT},
            method="post",
            data=lambda n: {"reason": "recorded twice"},
        ),
        # A use of another site under one's own site: not found.
        Case(
            lambda n: _use_url(n, n.venue_b, under=n.venue_a),
            {"anonymous": LOGIN},
            method="post",
            data=lambda n: {"reason": "recorded twice"},
        ),
    ],
    "venues:offerings": [
        Case(
            lambda n: reverse("venues:offerings", args=[n.venue_a.pk]),
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:offerings", args=[n.venue_a.pk]) + "?past=1",
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:offerings", args=[n.venue_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
        Case(lambda n: reverse("venues:offerings", args=[n.dist_a.pk]), {"anonymous": LOGIN}),
    ],
    "venues:offering_create": [
        *(
            Case(
                lambda n, kind=kind: reverse("venues:offering_create", args=[n.venue_a.pk, kind]),
                {
                    "anonymous": LOGIN,
                    "venue_contact": 200,
                    "coordinator": 200,
                    "national_admin": 200,
                },
            )
            for kind in ("show", "course", "admission")
        ),
        Case(
            lambda n: reverse("venues:offering_create", args=[n.venue_a.pk, "show"]),
            {
                "anonymous": LOGIN,
                "venue_contact": REDIRECT,
                "coordinator": REDIRECT,
                "national_admin": REDIRECT,
            },
            method="post",
            data=lambda n: {
                "title": "Concert",
                "sector": "culture",
                "date": "2030-01-01",
                "start_time": "19:00",
            },
        ),
        Case(
            lambda n: reverse("venues:offering_create", args=[n.venue_a.pk, "party"]),
            {"anonymous": LOGIN},
        ),
        Case(
            lambda n: reverse("venues:offering_create", args=[n.venue_b.pk, "show"]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:offering_create", args=[n.dist_a.pk, "show"]),
            {"anonymous": LOGIN},
        ),
    ],
    "venues:offering_edit": [
        Case(
            lambda n: _offering_url(n.venue_a),
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: _offering_url(n.venue_b),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
        Case(lambda n: _offering_url(n.venue_b, under=n.venue_a), {"anonymous": LOGIN}),
    ],
    "venues:public_site": [
        Case(lambda n: reverse("venues:public_site", args=[n.venue_a.pk]), SCOPE_ALL),
        Case(lambda n: reverse("venues:public_site", args=[n.venue_b.pk]), SCOPE_ALL),
        Case(lambda n: reverse("venues:public_site", args=[n.dist_a.pk]), {}),
    ],
    "venues:site_audit": [
        Case(
            lambda n: reverse("venues:site_audit", args=[n.venue_a.pk]),
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:site_audit", args=[n.venue_a.pk]) + "?action=card.closed",
            {"anonymous": LOGIN, "venue_contact": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:site_audit", args=[n.venue_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:site_audit", args=[n.dist_a.pk]),
            {"anonymous": LOGIN, "distributor": 200, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:site_audit", args=[n.dist_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
    ],
    "venues:area_audit": [
        Case(
            lambda n: reverse("venues:area_audit", args=[n.area_a.pk]),
            {"anonymous": LOGIN, "coordinator": 200, "national_admin": 200},
        ),
        Case(
            lambda n: reverse("venues:area_audit", args=[n.area_b.pk]),
            {"anonymous": LOGIN, "national_admin": 200},
        ),
    ],
    "api:sites": [Case(lambda n: reverse("api:sites"), API_TOKEN_NEEDED)],
    "api:offerings": [
        Case(lambda n: reverse("api:offerings", args=[n.venue_a.pk]), API_TOKEN_NEEDED)
    ],
    "api:card": [Case(lambda n: reverse("api:card", args=["TRE-1000"]), API_TOKEN_NEEDED)],
    "api:redemptions": [
        Case(lambda n: reverse("api:redemptions"), API_TOKEN_NEEDED),
        Case(lambda n: reverse("api:redemptions"), API_TOKEN_NEEDED, method="post"),
    ],
    "api:redemption_void": [
        Case(lambda n: reverse("api:redemption_void", args=[1]), API_TOKEN_NEEDED, method="post")
    ],
    "api:problem": [Case(lambda n: reverse("api:problem", args=["cap_reached"]), SCOPE_ALL)],
    "api:schema": [Case(lambda n: reverse("api:schema"), SCOPE_ALL)],
    "api:docs": [Case(lambda n: reverse("api:docs"), SCOPE_ALL)],
    "api:not_found": [Case(lambda n: "/api/v1/unknown", dict.fromkeys(PERSONAS, 404))],
    "stats:public": [Case(lambda n: reverse("stats:public"), SCOPE_ALL)],
    "stats:public_json": [Case(lambda n: reverse("stats:public_json"), SCOPE_ALL)],
    "stats:public_csv": [Case(lambda n: reverse("stats:public_csv"), SCOPE_ALL)],
}


# Objects for the rows above, made when a row asks for them (the shared network
# has no cards, offerings or uses, so that other tests count from zero).
def _card_url(name: str, site, under=None) -> str:
    card = CardFactory(issued_by=site)
    return reverse(name, args=[(under or site).pk, card.pk])


def _offering_url(site, under=None) -> str:
    offering = OfferingFactory(site=site)
    return reverse("venues:offering_edit", args=[(under or site).pk, offering.pk])


def _use_url(n, site, under=None) -> str:
    card = CardFactory(issued_by=n.dist_a)
    use = record_redemption(
        card_id=card.card_id, site=site, offering=None, channel=Redemption.Channel.DESK
    ).redemption
    return reverse("usage:use_void", args=[(under or site).pk, use.pk])


# Offline use: the Excel table, the paper form and imports (issue 5). Only those
# who manage the venue site: its contact person, the area's coordinator, Kaikukeskus.
_MANAGERS_OF_VENUE_A = {
    "anonymous": LOGIN,
    "venue_contact": 200,
    "coordinator": 200,
    "national_admin": 200,
}
_MANAGERS_REDIRECT = {
    "anonymous": LOGIN,
    "venue_contact": REDIRECT,
    "coordinator": REDIRECT,
    "national_admin": REDIRECT,
}
ROUTES.update(
    {
        f"usage:{name}": [
            Case(
                lambda n, name=name: reverse(f"usage:{name}", args=[n.venue_a.pk]),
                _MANAGERS_OF_VENUE_A,
            ),
            Case(
                lambda n, name=name: reverse(f"usage:{name}", args=[n.venue_b.pk]),
                {"anonymous": LOGIN, "national_admin": 200},
            ),
        ]
        for name in (
            "offline_sheets",
            "offline_table",
            "offline_form",
            "import_upload",
            "import_entry",
        )
    }
)
ROUTES.update(
    {
        "usage:import_batch": [
            Case(
                lambda n: reverse("usage:import_batch", args=[matrix_batch(n).pk]),
                _MANAGERS_OF_VENUE_A,
            )
        ],
        "usage:import_columns": [
            Case(
                lambda n: reverse(
                    "usage:import_columns", args=[matrix_batch(n, waiting_for_columns=True).pk]
                ),
                _MANAGERS_OF_VENUE_A,
            )
        ],
        "usage:import_confirm": [
            Case(
                lambda n: reverse("usage:import_confirm", args=[matrix_batch(n).pk]),
                _MANAGERS_REDIRECT,
                method="post",
            )
        ],
        "usage:import_discard": [
            Case(
                lambda n: reverse("usage:import_discard", args=[matrix_batch(n).pk]),
                _MANAGERS_REDIRECT,
                method="post",
            )
        ],
    }
)

# Onboarding (issue 14): venue staff, coordinators and Kaikukeskus read the
# material; Kaikukeskus publishes the national items, a coordinator the area's.
_READERS_OF_AREA_A = {
    "anonymous": LOGIN,
    "cashier": 200,
    "venue_contact": 200,
    "coordinator": 200,
    "national_admin": 200,
}
_STAFF_OF_AREA_A = {"anonymous": LOGIN, "cashier": REDIRECT, "venue_contact": REDIRECT}
_PUBLISHERS_OF_AREA_A = {"anonymous": LOGIN, "coordinator": 200, "national_admin": 200}
_PUBLISHERS_OF_AREA_A_REDIRECT = {
    "anonymous": LOGIN,
    "coordinator": REDIRECT,
    "national_admin": REDIRECT,
}
_KAIKUKESKUS = {"anonymous": LOGIN, "national_admin": 200}
_KAIKUKESKUS_REDIRECT = {"anonymous": LOGIN, "national_admin": REDIRECT}


def _onboarding_url(name: str, area=None, *, withdrawn: bool = False, notice: bool = False) -> str:
    item = onboarding_item(area=area, withdrawn=withdrawn)
    if name == "venues:onboarding_file":
        return reverse(name, args=[item.materials.get().file_id])
    if notice:
        return reverse(name, args=[item.notices.get().pk])
    return reverse(name, args=[item.pk])


ROUTES.update(
    {
        "venues:onboarding": [Case(lambda n: reverse("venues:onboarding"), _READERS_OF_AREA_A)],
        "venues:onboarding_confirm": [
            Case(lambda n: reverse("venues:onboarding_confirm"), _STAFF_OF_AREA_A, method="post"),
            Case(
                lambda n: reverse("venues:onboarding_confirm"),
                dict.fromkeys(PERSONAS, 405) | {"anonymous": LOGIN},
            ),
        ],
        "venues:onboarding_material": [
            Case(lambda n: reverse("venues:onboarding_material"), _PUBLISHERS_OF_AREA_A)
        ],
        "venues:onboarding_item_create": [
            Case(lambda n: reverse("venues:onboarding_item_create"), _KAIKUKESKUS),
            Case(
                lambda n: reverse("venues:onboarding_item_create") + f"?area={n.area_a.pk}",
                _PUBLISHERS_OF_AREA_A,
            ),
            Case(
                lambda n: reverse("venues:onboarding_item_create") + f"?area={n.area_b.pk}",
                _KAIKUKESKUS,
            ),
            Case(
                lambda n: reverse("venues:onboarding_item_create"),
                _KAIKUKESKUS_REDIRECT,
                method="post",
                data=lambda n: onboarding_form_data(kind="handbook", url="https://example.fi/h"),
            ),
            Case(
                lambda n: reverse("venues:onboarding_item_create"),
                _PUBLISHERS_OF_AREA_A_REDIRECT,
                method="post",
                data=lambda n: onboarding_form_data(
                    kind="area_website", url="https://example.fi/a", area=n.area_a.pk
                ),
            ),
        ],
        "venues:onboarding_item_edit": [
            Case(lambda n: _onboarding_url("venues:onboarding_item_edit"), _KAIKUKESKUS),
            Case(
                lambda n: _onboarding_url("venues:onboarding_item_edit", n.area_a),
                _PUBLISHERS_OF_AREA_A,
            ),
            Case(lambda n: _onboarding_url("venues:onboarding_item_edit", n.area_b), _KAIKUKESKUS),
        ],
        "venues:onboarding_item_withdraw": [
            Case(
                lambda n: _onboarding_url("venues:onboarding_item_withdraw"),
                _KAIKUKESKUS_REDIRECT,
                method="post",
            ),
            Case(
                lambda n: _onboarding_url("venues:onboarding_item_withdraw", n.area_a),
                _PUBLISHERS_OF_AREA_A_REDIRECT,
                method="post",
            ),
        ],
        "venues:onboarding_correction_create": [
            Case(lambda n: _onboarding_url("venues:onboarding_correction_create"), _KAIKUKESKUS),
            Case(
                lambda n: _onboarding_url("venues:onboarding_correction_create", n.area_a),
                _PUBLISHERS_OF_AREA_A,
            ),
            Case(
                lambda n: _onboarding_url("venues:onboarding_correction_create"),
                _KAIKUKESKUS_REDIRECT,
                method="post",
                data=lambda n: {"text_fi": "Korjaus."},
            ),
        ],
        "venues:onboarding_notice_withdraw": [
            Case(
                lambda n: _onboarding_url("venues:onboarding_notice_withdraw", notice=True),
                _KAIKUKESKUS_REDIRECT,
                method="post",
            ),
            Case(
                lambda n: _onboarding_url(
                    "venues:onboarding_notice_withdraw", n.area_a, notice=True
                ),
                _PUBLISHERS_OF_AREA_A_REDIRECT,
                method="post",
            ),
        ],
        "venues:onboarding_file": [
            Case(lambda n: _onboarding_url("venues:onboarding_file"), _READERS_OF_AREA_A),
            Case(lambda n: _onboarding_url("venues:onboarding_file", n.area_a), _READERS_OF_AREA_A),
            Case(lambda n: _onboarding_url("venues:onboarding_file", n.area_b), _KAIKUKESKUS),
            Case(lambda n: _onboarding_url("venues:onboarding_file", withdrawn=True), _KAIKUKESKUS),
        ],
        "venues:site_help": [
            Case(lambda n: reverse("venues:site_help", args=[n.venue_a.pk]), _READERS_OF_AREA_A),
            Case(lambda n: reverse("venues:site_help", args=[n.venue_b.pk]), _KAIKUKESKUS),
            Case(lambda n: reverse("venues:site_help", args=[n.dist_a.pk]), {"anonymous": LOGIN}),
        ],
    }
)

# URL names that are not pages of their own.
NOT_PAGES = {"django.views.static.serve"}


def _named_routes(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns == "admin":
                continue  # walked by tests/venues/test_admin.py
            prefix = f"{namespace}{ns}:" if ns else namespace
            names |= _named_routes(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_in_the_matrix():
    missing = _named_routes(get_resolver()) - set(ROUTES) - NOT_PAGES
    assert not missing, f"Add these URLs to tests/test_url_matrix.py: {sorted(missing)}"


CASES = [
    pytest.param(name, index, persona, id=f"{name}[{index}]-{persona}")
    for name, cases in ROUTES.items()
    for index in range(len(cases))
    for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "index", "persona"), CASES)
def test_url_answers_each_role_as_its_scope_says(net, client_for, name, index, persona):
    case = ROUTES[name][index]
    client = client_for(persona)
    url = case.url(net)
    data = case.data(net) if case.data else {}
    response = getattr(client, case.method)(url, data)
    expected = case.expected(persona)
    if expected == LOGIN:
        assert response.status_code == 302, response
        assert response["Location"].startswith(reverse("login"))
    elif expected == REDIRECT:
        assert response.status_code == 302, response
        assert not response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, (url, persona, response.status_code)
