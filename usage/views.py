"""The distributor's pages: the site's cards, registering, renewing, closing and
correcting a card. Thin: check access, parse a form, call a service, render.

A distributor sees the cards of their own site one by one (`access.cards`) and
their use only in aggregate: how many uses and tickets, never where."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.http import posted
from usage import queries, services
from usage.forms import (
    CardRegisterForm,
    CardSearchForm,
    CloseCardForm,
    CommunityBackgroundForm,
    PersonalBackgroundForm,
)
from usage.models import Card, one_year_from
from venues.models import Site

CARDS_PER_PAGE = 50


@login_required
def _site_cards(request: HttpRequest, site_id: int) -> tuple[Site, QuerySet[Card]]:
    """The distributor site and its cards, if the user distributes there; 404 otherwise."""
    site = access.site_or_404(request.user, site_id, Can.DISTRIBUTE)
    return site, access.cards(request.user).filter(issued_by=site)


def _card_or_404(request: HttpRequest, site_id: int, pk: int) -> tuple[Site, Card]:
    site, cards = _site_cards(request, site_id)
    card = get_object_or_404(queries.with_state(cards, timezone.localdate()), pk=pk)
    return site, card


# The last card search at each site, kept in the session: card IDs travel in POST
# bodies, never in URLs, so they stay out of access logs (docs/privacy.md).
SEARCH_SESSION_KEY = "card_search"


@login_required
def cards(request: HttpRequest, site_id: int) -> HttpResponse:
    """The distributor's home: the site's cards, found by ID or listed by state,
    and the site's figures for this year.

    A search is POSTed: a whole ID opens the card at once; part of one is kept
    in the session and listed at `?search=1` (which pages like any list)."""
    site, site_cards = _site_cards(request, site_id)
    if request.method == "POST":
        return _search(request, site, site_cards)
    today = timezone.localdate()
    searches = request.session.get(SEARCH_SESSION_KEY, {})
    query = searches.get(str(site.pk), "") if request.GET.get("search") else ""
    form = CardSearchForm(
        {"q": query, "state": request.GET.get("state", "")}, states=queries.CardState.choices
    )
    listed = queries.with_state(site_cards, today).order_by("card_id")
    state = ""
    if form.is_valid():
        query, state = form.cleaned_data["q"], form.cleaned_data["state"]
        if query:
            listed = listed.filter(card_id__contains=query)
        if state:
            listed = listed.filter(queries.card_state_q(state, today))
    page = Paginator(listed, CARDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "site": site,
        "form": form,
        "page": page,
        "query": query,
        "state": state,
        "figures": queries.card_figures(site_cards, today),
        "year": today.year,
    }
    return render(request, "usage/cards.html", context)


def _search(request: HttpRequest, site: Site, site_cards: QuerySet[Card]) -> HttpResponse:
    form = CardSearchForm(request.POST, states=queries.CardState.choices)
    if not form.is_valid():
        return redirect("usage:cards", site.pk)
    query, state = form.cleaned_data["q"], form.cleaned_data["state"]
    if query:
        # A scanned or fully typed ID opens the card at once.
        exact = site_cards.filter(card_id=query).first()
        if exact is not None:
            return redirect("usage:card", site.pk, exact.pk)
    searches = request.session.get(SEARCH_SESSION_KEY, {})
    searches[str(site.pk)] = query
    request.session[SEARCH_SESSION_KEY] = searches
    params = {"search": "1"} if query else {}
    if state:
        params["state"] = state
    target = reverse("usage:cards", args=[site.pk])
    return redirect(f"{target}?{urlencode(params)}" if params else target)


@login_required
def card_register(request: HttpRequest, site_id: int) -> HttpResponse:
    site, _cards = _site_cards(request, site_id)
    form = CardRegisterForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            card = services.register_card(
                card_id=form.cleaned_data["card_id"],
                site=site,
                registered_by=request.user,
                kind=form.cleaned_data["kind"],
                **form.background(),
            )
        except IntegrityError:
            # Registered by someone else between the form's check and the insert.
            form.add_error("card_id", _("A card with this ID was registered a moment ago."))
        else:
            messages.success(
                request,
                _("The card %(card_id)s is registered and valid until %(until)s.")
                % {
                    "card_id": card.card_id,
                    "until": date_format(card.valid_until, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("usage:card", site.pk, card.pk)
    today = timezone.localdate()
    return render(
        request,
        "usage/card_register.html",
        {"site": site, "form": form, "valid_until": one_year_from(today)},
    )


@login_required
def card_page(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    site, card = _card_or_404(request, site_id, pk)
    context = {
        "site": site,
        "card": card,
        "periods": card.periods.select_related("site").order_by("-valid_from", "-pk"),
        "use": queries.card_use_in_current_period(card),
    }
    return render(request, "usage/card.html", context)


@login_required
def card_renew(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    """Renewal asks for confirmation (GET) and renews on POST: one year from today."""
    site, card = _card_or_404(request, site_id, pk)
    valid_until = one_year_from(timezone.localdate())
    # Issued or renewed today (a second click, a reload): another period would add nothing.
    already = not card.is_closed and card.valid_until >= valid_until
    if request.method == "POST":
        if card.is_closed:
            messages.error(request, _("A closed card cannot be renewed. Register a new card."))
        elif card.background_removed_on is not None:
            messages.error(
                request,
                _(
                    "The card's background data was removed under the data retention policy. "
                    "Enter it again, then renew the card."
                ),
            )
            return redirect("usage:card_background", site.pk, card.pk)
        elif already:
            messages.info(request, _("The card is already valid for a full year from today."))
        else:
            card = services.renew_card(card=card, site=site, renewed_by=request.user)
            messages.success(
                request,
                _("The card %(card_id)s is renewed and valid until %(until)s.")
                % {
                    "card_id": card.card_id,
                    "until": date_format(card.valid_until, "SHORT_DATE_FORMAT"),
                },
            )
        return redirect("usage:card", site.pk, card.pk)
    context = {"site": site, "card": card, "valid_until": valid_until, "already": already}
    return render(request, "usage/card_renew.html", context)


@login_required
def card_close(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    site, card = _card_or_404(request, site_id, pk)
    form = CloseCardForm(posted(request))
    if request.method == "POST" and not card.is_closed and form.is_valid():
        services.close_card(
            card=card, site=site, reason=form.cleaned_data["reason"], closed_by=request.user
        )
        messages.success(
            request,
            _("The card %(card_id)s is closed. It can no longer be used.")
            % {"card_id": card.card_id},
        )
        return redirect("usage:card", site.pk, card.pk)
    return render(request, "usage/card_close.html", {"site": site, "card": card, "form": form})


def _background_form(card: Card, data=None):
    if card.is_community:
        return CommunityBackgroundForm(data, initial={"group_limit": card.group_limit})
    fields = PersonalBackgroundForm.PERSONAL_FIELDS
    return PersonalBackgroundForm(data, initial={field: getattr(card, field) for field in fields})


@login_required
def card_background(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    """Correct the card's background data (the register wins over the paper card)."""
    site, card = _card_or_404(request, site_id, pk)
    form = _background_form(card, posted(request))
    if request.method == "POST" and form.is_valid():
        services.update_card_background(
            card=card, site=site, changed_by=request.user, **form.background()
        )
        messages.success(request, _("The card's background data was saved."))
        return redirect("usage:card", site.pk, card.pk)
    return render(request, "usage/card_background.html", {"site": site, "card": card, "form": form})
