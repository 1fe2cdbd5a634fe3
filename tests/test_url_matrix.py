"""Every URL, walked with every role: 200 in scope, a redirect to the login page
for anonymous visitors, 404 outside the user's scope.

`ROUTES` must name every URL the project serves (outside the Django admin,
which `tests/venues/test_admin.py` walks model by model); the completeness
test fails when a new URL has no row here."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS

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


SCOPE_ALL = dict.fromkeys(PERSONAS, 200)
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
        )
    ],
    "usage:cards": [
        Case(
            lambda n: reverse("usage:cards", args=[n.dist_a.pk]),
            {"anonymous": LOGIN, "distributor": 200},
        ),
        Case(lambda n: reverse("usage:cards", args=[n.dist_b.pk]), {"anonymous": LOGIN}),
    ],
    "stats:public": [Case(lambda n: reverse("stats:public"), SCOPE_ALL)],
    "stats:public_json": [Case(lambda n: reverse("stats:public_json"), SCOPE_ALL)],
    "stats:public_csv": [Case(lambda n: reverse("stats:public_csv"), SCOPE_ALL)],
}

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
