"""The cashier's desk: one keyboard-first screen to check a card, record its use
and undo a mistake.

Every step works as a plain form without JavaScript (check, record and undo
are POST forms, each followed by a redirect to the page that shows the
result); static/kaikukanta/desk.js only makes it faster, checking the card
through `desk_card` (JSON) and updating the page in place. A card ID never
travels in a URL, so that it stays out of access logs: the plain check keeps
it in the session under a random key (`check`). Access comes from
`kaikukanta.access` (the sites where the user may record; 404 elsewhere) and
every write goes through `usage.services`.
"""

import datetime
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaikukanta import access
from kaikukanta.access import Can
from usage import services
from usage.desk import card_check
from usage.desk.card_check import CardState, card_state
from usage.desk.forms import DeskRecordForm, DeskViewForm
from usage.models import Redemption
from usage.services import RedemptionRefused
from venues.models import Site

# The cards checked with the plain form, by the random key in the page's URL.
SESSION_CHECKS = "desk_checks"
KEPT_CHECKS = 10

# Where the cashier acts next after each refusal.
_FOCUS_BY_CODE = {
    "card_id_malformed": "card",
    "card_unknown": "card",
    "card_expired": "card",
    "card_not_yet_valid": "card",
    "card_closed": "card",
    "already_recorded": "card",  # the next customer
    "children_not_allowed": "children",
    "too_many_children": "children",
    "children_invalid": "children",
    "cap_reached": "offering",
    "offering_excluded": "offering",
    "offering_not_on_date": "offering",
    "offering_required": "offering",
    "offering_not_at_site": "offering",
}
# The parts of the page that change as the cashier works (desk.js swaps them).
PARTS = {
    "alert": "usage/desk/_alert.html",
    "status": "usage/desk/_status.html",
    "record": "usage/desk/_record.html",
}


@dataclass(frozen=True)
class Alert:
    """Something the cashier must read at once (shown with role=alert)."""

    title: str
    message: str
    code: str = ""


def _refused(refusal: RedemptionRefused) -> Alert:
    if refusal.code == "idempotency_mismatch":
        # Only a form sent again after going back in the browser gets here.
        message = _("This form was already sent. Check the card again to record a new use.")
    else:
        message = refusal.message
    return Alert(_("Not recorded"), message, refusal.code)


def _new_key(request: HttpRequest) -> str:
    return f"desk:{request.user.pk}:{uuid.uuid4().hex}"


def _own_key(request: HttpRequest, key: str) -> str | None:
    """The page's idempotency key, if it is one this user's page made."""
    return key if re.fullmatch(rf"desk:{request.user.pk}:[0-9a-f]{{32}}", key or "") else None


def _desk_site(request: HttpRequest, requested: str | None, *, remember: bool) -> Site:
    """The site to record at: the one asked for (remembered for the person),
    else the one they last worked at, else their first. 404 outside the
    user's scope."""
    if requested:
        site = access.site_or_404(request.user, requested, Can.RECORD)
        if remember:
            card_check.remember_site(request.user, site)
        return site
    sites = list(access.sites(request.user, Can.RECORD).order_by("name"))
    site = card_check.remembered_site(request.user, sites)
    if site is None:
        raise Http404
    return site


def _keep_check(request: HttpRequest, card: str) -> str:
    """Keep a card ID checked with the plain form in the session; the key
    that finds it again goes in the desk's URL instead of the ID."""
    checks = request.session.get(SESSION_CHECKS, {})
    key = secrets.token_urlsafe(9)
    checks[key] = card
    request.session[SESSION_CHECKS] = dict(list(checks.items())[-KEPT_CHECKS:])
    return key


def _checked_card(request: HttpRequest, key: str | None) -> str:
    return request.session.get(SESSION_CHECKS, {}).get(key, "") if key else ""


def _desk_url(site: Site, day: datetime.date, **extra: Any) -> str:
    params: dict[str, Any] = {"site": site.pk}
    if day != timezone.localdate():
        params["day"] = day.isoformat()
    params.update(extra)
    return f"{reverse('usage:desk')}?{urlencode(params)}"


def _visible_use(request: HttpRequest, site: Site, pk: str | None) -> Redemption | None:
    """A use named in the page's address (the confirmation), if the user may see it."""
    if not pk:
        return None
    try:
        return access.redemptions(request.user).filter(site=site).get(pk=pk)
    except (Redemption.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _context(
    request: HttpRequest,
    site: Site,
    day: datetime.date,
    *,
    state: CardState | None = None,
    alert: Alert | None = None,
    done: Redemption | None = None,
    undone: Redemption | None = None,
    chosen_offering: object = None,
    chosen_children: int = 0,
    focus: str = "card",
    day_error: str = "",
    with_recent: bool = True,
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    rows = card_check.offerings_on(site, day)
    card_valid = state is not None and state.usable
    earlier: list[Redemption] = []
    if card_valid:
        # One query for every offering of the day: never one per offering.
        earlier = card_check.earlier_uses(
            access.redemptions(user), card=state.card, site=site, day=day
        )
        rows = card_check.for_card(rows, earlier, day)
    plain_use = card_check.plain_admission_use(earlier, day) if card_valid and not rows else None
    usable = {str(row.offering.pk): row for row in rows if row.usable}
    # The card can be recorded for something: an offering it can use, or plain
    # admission where the site has nothing on offer and it has not had one.
    can_record = card_valid and (bool(usable) if rows else plain_use is None)
    chosen = usable.get(str(chosen_offering)) if chosen_offering else None
    chosen = chosen or card_check.next_offering(rows, day)
    children_allowed = state.card.children_allowed if can_record else 0
    # No children's field where only courses can be chosen (none on a course).
    only_courses = bool(usable) and all(row.is_course for row in usable.values())
    children_field = bool(children_allowed) and not only_courses

    # The element that gets the focus: where the cashier acts next.
    focus_id = "desk-card"
    if focus == "day":
        focus_id = "desk-day"
    elif can_record:
        if focus == "record" or (focus == "children" and not children_field):
            focus_id = "desk-record-button"
        elif focus == "children":
            focus_id = "desk-children"
        elif focus == "offering":
            target = chosen or next(iter(usable.values()), None)
            focus_id = target.input_id if target else "desk-record-button"

    recent = [
        (use, not use.is_voided and access.may_undo(user, use))
        for use in (
            card_check.recorded_today(access.redemptions(user), site=site, user=user)
            if with_recent
            else []
        )
    ]
    first_day, last_day = card_check.day_range(today)
    return {
        "site": site,
        "sites": list(access.sites(user, Can.RECORD).order_by("name")),
        "day": day,
        "today": today,
        "is_today": day == today,
        "day_min": first_day,
        "day_max": last_day,
        "day_error": day_error,
        "card_input": state.card_id if state else "",
        "state": state,
        "card_valid": card_valid,
        "show_form": can_record,
        # The green "can be used" box: only for a card that can be recorded, and
        # never beside a refusal.
        "show_card_box": can_record and alert is None,
        "blocked": card_valid and not can_record,
        "earlier_uses": earlier,
        "plain_use": plain_use,
        "alert": alert,
        "done": done,
        "done_may_undo": bool(done and not done.is_voided and access.may_undo(user, done)),
        "undone": undone,
        "offerings": rows,
        "chosen": chosen,
        "chosen_offering_id": chosen.offering.pk if chosen else None,
        "chosen_children": chosen_children,
        "children_field": children_field,
        "only_courses": only_courses and bool(children_allowed),
        "idempotency_key": _new_key(request),
        "recent": recent,
        "focus_id": focus_id,
        "feedback": bool(alert or done or undone or state),
    }


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "usage/desk.html", context, status=status)


@login_required
@require_GET
@never_cache
def desk_page(request: HttpRequest) -> HttpResponse:
    """The cashier's home: the card field, the day's offerings with their caps,
    and — once a card is checked (`?check=`, the key of `desk_check`) — its
    state for each offering and the record form."""
    form = DeskViewForm(request.GET)
    form.is_valid()
    site = _desk_site(request, request.GET.get("site"), remember=True)
    day = form.cleaned_data.get("day") or timezone.localdate()
    day_error = " ".join(form.errors.get("day", []))
    done = _visible_use(request, site, request.GET.get("done"))
    undone = _visible_use(request, site, request.GET.get("undone"))
    if done and done.is_voided:
        done, undone = None, done
    raw_card = _checked_card(request, request.GET.get("check"))
    state = card_state(raw_card, day) if raw_card else None
    context = _checked_context(
        request, site, day, state, day_error=day_error, done=done, undone=undone
    )
    return _page(request, context)


def _checked_context(
    request: HttpRequest,
    site: Site,
    day: datetime.date,
    state: CardState | None,
    *,
    day_error: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """The page after a card check: the refusal of a card that cannot be used,
    else its state for each offering, with the focus where the cashier acts next."""
    alert = None
    if state and not state.usable:
        alert = Alert(_("This card cannot be used"), state.message, state.refusal_code or "")
    # "record": the Record button when the card can be recorded, else the card field.
    focus = "day" if day_error else "record"
    return _context(
        request, site, day, state=state, alert=alert, day_error=day_error, focus=focus, **extra
    )


@login_required
@require_POST
@never_cache
def desk_check(request: HttpRequest) -> HttpResponse:
    """The plain form's card check, and its choice of site and day (POST, so
    that the card ID stays out of URLs and access logs): the ID is kept in the
    session, and the desk page shows the card's state (POST, redirect, GET)."""
    site = _desk_site(request, request.POST.get("site"), remember=False)
    params = {"site": site.pk}
    if request.POST.get("day"):
        params["day"] = request.POST["day"][:20]
    card = (request.POST.get("card") or "").strip()[:200]
    if card:
        params["check"] = _keep_check(request, card)
    return redirect(f"{reverse('usage:desk')}?{urlencode(params)}")


@login_required
@require_POST
@never_cache
def desk_card(request: HttpRequest) -> JsonResponse:
    """A card's state for the desk's script (POST card, site, day): validity,
    kind and the children allowed — never its background data — and what it
    can be used for, plus the page's parts rendered for that state, so the page
    updates in place."""
    form = DeskViewForm(request.POST)
    site = _desk_site(request, request.POST.get("site"), remember=False)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        return JsonResponse({"error": " ".join(errors)}, status=400)
    day = form.cleaned_data.get("day") or timezone.localdate()
    state = card_state(form.cleaned_data.get("card") or "", day)
    # The cashier's own records are not among the parts a check changes.
    context = _checked_context(request, site, day, state, with_recent=False)
    return JsonResponse(
        {
            "card": state.as_json(),
            "can_record": context["show_form"],
            "offerings": [
                {
                    "id": row.offering.pk,
                    "state": row.state,
                    "recorded_at": row.earlier_use.recorded_at.isoformat()
                    if row.earlier_use
                    else None,
                }
                for row in context["offerings"]
            ],
            "focus": context["focus_id"],
            "html": {
                name: render_to_string(template, context, request)
                for name, template in PARTS.items()
            },
        }
    )


def _form_alert(form: DeskRecordForm) -> tuple[Alert, str]:
    """The first problem of a record form the page should not have sent, in the
    service's words where it has them, and the field to correct."""
    title = _("Not recorded")
    for field, focus in (("day", "day"), ("card", "card"), ("offering", "offering")):
        if field in form.errors:
            return Alert(title, " ".join(form.errors[field]), field), focus
    if "children" in form.errors:
        refusal = RedemptionRefused("children_invalid")
        return Alert(title, refusal.message, refusal.code), "children"
    return Alert(title, " ".join(str(e) for e in form.non_field_errors())), "card"


@login_required
@require_POST
@never_cache
def desk_record(request: HttpRequest) -> HttpResponse:
    """Record one use (POST). On success, redirect to the page with the
    confirmation and its Undo; on a refusal, show the page again with the
    refusal in plain words. The page's key makes a double submit record once."""
    site = access.site_or_404(request.user, request.POST.get("site"), Can.RECORD)
    form = DeskRecordForm(request.POST, site=site)
    if not form.is_valid():
        alert, focus = _form_alert(form)
        day = form.cleaned_data.get("day") or timezone.localdate()
        context = _context(
            request,
            site,
            day,
            state=card_state(request.POST.get("card", ""), day),
            alert=alert,
            chosen_offering=request.POST.get("offering"),
            focus=focus,
        )
        return _page(request, context)

    data = form.cleaned_data
    day, offering, children = data["day"], data["offering"], data["children"]
    fingerprint = services.request_fingerprint(
        {
            "card": data["card"],
            "site": site.pk,
            "offering": offering.pk if offering else None,
            "day": day,
            "children": children,
            "user": request.user.pk,
        }
    )
    try:
        result = services.record_redemption(
            card_id=data["card"],
            site=site,
            offering=offering,
            channel=Redemption.Channel.DESK,
            used_on=day,
            children=children,
            recorded_by=request.user,
            idempotency_key=_own_key(request, data["key"]),
            fingerprint=fingerprint,
        )
    except RedemptionRefused as refusal:
        context = _context(
            request,
            site,
            day,
            state=card_state(data["card"], day),
            alert=_refused(refusal),
            chosen_offering=offering.pk if offering else None,
            chosen_children=children,
            focus=_FOCUS_BY_CODE.get(refusal.code, "record"),
        )
        return _page(request, context)
    card_check.remember_site(request.user, site)
    return redirect(_desk_url(site, day, done=result.redemption.pk))


@login_required
@require_POST
@never_cache
def desk_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a use recorded at the desk (POST), without a reason: only the
    person who recorded it, within the undo window (`access.may_undo`). A use
    the user cannot see is a 404; one they can see but may not undo is refused
    in plain words (a venue contact person voids it on the site's list of
    uses, with a reason)."""
    redemption = get_object_or_404(access.redemptions(request.user), pk=pk)
    site = access.site_or_404(request.user, redemption.site_id, Can.RECORD)
    form = DeskViewForm(request.POST)
    form.is_valid()
    day = form.cleaned_data.get("day") or timezone.localdate()
    if not redemption.is_voided:
        if not access.may_undo(request.user, redemption):
            alert = Alert(_("Not undone"), _undo_refusal(request, redemption))
            return _page(request, _context(request, site, day, alert=alert), status=403)
        services.void_redemption(
            redemption=redemption, reason=_("Undone at the desk"), voided_by=request.user
        )
    return redirect(_desk_url(site, day, undone=redemption.pk))


def _undo_refusal(request: HttpRequest, redemption: Redemption) -> str:
    """Why the desk will not undo this use, and who can void it instead."""
    minutes = int(services.UNDO_WINDOW.total_seconds() // 60)
    if access.may_void(request.user, redemption):
        return _(
            "Only the person who recorded a use can undo it here, within %(minutes)d "
            "minutes. Void it with a reason on the site's list of uses."
        ) % {"minutes": minutes}
    if redemption.recorded_by_id != request.user.pk:
        return _(
            "You can undo only your own records. Ask the venue contact person to void this one."
        )
    return _(
        "This use can no longer be undone here: a record can be undone within "
        "%(minutes)d minutes. Ask the venue contact person to void it."
    ) % {"minutes": minutes}
