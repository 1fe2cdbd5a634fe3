"""Every change to the onboarding material and every confirmation goes through
here: publishing and changing an item, publishing and withdrawing a correction,
withdrawing an item, a person's yearly confirmation and the yearly reminder.
Changes to the material are audited; a confirmation is its own record."""

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kaikukanta import access, audit
from venues.models import (
    ONBOARDING_LANGUAGES,
    Area,
    Membership,
    OnboardingConfirmation,
    OnboardingFile,
    OnboardingItem,
    OnboardingMaterial,
    OnboardingNotice,
    Organisation,
    User,
)
from venues.onboarding.files import CheckedFile
from venues.onboarding.staff import REMIND_DAYS_BEFORE, required_versions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaterialInput:
    """What the publisher gave for one language. An empty title with no file
    and no link (or `remove`) means the item has nothing in that language."""

    title: str = ""
    upload: CheckedFile | None = None
    url: str = ""
    remove: bool = False

    @property
    def is_empty(self) -> bool:
        return self.remove or not (self.title or self.upload or self.url)


def material_changes(
    existing: Mapping[str, OnboardingMaterial], inputs: Mapping[str, MaterialInput]
) -> list[str]:
    """The languages whose file or link would change (a new title alone is no
    change of the material: nobody needs to go through it again for that)."""
    changed = []
    for language in ONBOARDING_LANGUAGES:
        given = inputs.get(language, MaterialInput())
        current = existing.get(language)
        if given.is_empty:
            if current is not None:
                changed.append(language)
        elif (
            current is None or given.upload is not None or (given.url and given.url != current.url)
        ):
            changed.append(language)
    return changed


def _store(upload: CheckedFile) -> OnboardingFile:
    return OnboardingFile.objects.create(
        name=upload.name,
        file_type=upload.file_type,
        size=upload.size,
        sha256=upload.sha256,
        content=upload.content,
    )


def _apply_materials(item: OnboardingItem, inputs: Mapping[str, MaterialInput]) -> list[str]:
    existing = {m.language: m for m in item.materials.select_related("file").defer("file__content")}
    changed = material_changes(existing, inputs)
    for language in ONBOARDING_LANGUAGES:
        given = inputs.get(language, MaterialInput())
        current = existing.get(language)
        old_file = current.file if current is not None else None
        if given.is_empty:
            if current is not None:
                current.delete()
                if old_file is not None:
                    old_file.delete()
            continue
        material = current or OnboardingMaterial(item=item, language=language)
        material.title = given.title
        if given.upload is not None:
            material.file, material.url = _store(given.upload), ""
        elif given.url:
            material.file, material.url = None, given.url
        material.save()
        if old_file is not None and material.file_id != old_file.pk:
            old_file.delete()  # replaced: its bytes are no longer served
    return changed


def _notice_texts(texts: Mapping[str, str]) -> dict[str, str]:
    return {f"text_{code}": (texts.get(code) or "").strip() for code in ONBOARDING_LANGUAGES}


@transaction.atomic
def publish_item(
    *,
    area: Area | None,
    kind: str,
    updated_on: datetime.date,
    materials: Mapping[str, MaterialInput],
    by: User,
) -> OnboardingItem:
    """Publish a new item (national with `area` None): staff see it at once and
    are asked to go through it."""
    item = OnboardingItem.objects.create(area=area, kind=kind, updated_on=updated_on)
    languages = _apply_materials(item, materials)
    audit.log(
        action="onboarding.published",
        obj=item,
        actor=by,
        area=area,
        data={"kind": kind, "languages": languages},
    )
    return item


@transaction.atomic
def change_item(
    *,
    item: OnboardingItem,
    updated_on: datetime.date,
    materials: Mapping[str, MaterialInput],
    what_changed: Mapping[str, str],
    by: User,
) -> OnboardingItem:
    """Change an item. When its material (a file or a link) changes, it gets a
    new version with a note of what changed, and everyone is asked again."""
    item = OnboardingItem.objects.select_for_update().get(pk=item.pk)
    languages = _apply_materials(item, materials)
    item.updated_on = updated_on
    if languages:
        item.version += 1
        OnboardingNotice.objects.create(
            item=item,
            kind=OnboardingNotice.Kind.CHANGE,
            version=item.version,
            published_on=timezone.localdate(),
            **_notice_texts(what_changed),
        )
    item.save()
    audit.log(
        action="onboarding.changed",
        obj=item,
        actor=by,
        area=item.area,
        data={"version": item.version, "languages": languages},
    )
    return item


@transaction.atomic
def publish_correction(
    *, item: OnboardingItem, texts: Mapping[str, str], by: User
) -> OnboardingNotice:
    """A correction is shown with the item from now on; the item gets a new
    version, so that everyone who went through it is asked to read it."""
    item = OnboardingItem.objects.select_for_update().get(pk=item.pk)
    item.version += 1
    item.save(update_fields=["version", "changed_at"])
    notice = OnboardingNotice.objects.create(
        item=item,
        kind=OnboardingNotice.Kind.CORRECTION,
        version=item.version,
        published_on=timezone.localdate(),
        **_notice_texts(texts),
    )
    audit.log(
        action="onboarding.corrected",
        obj=item,
        actor=by,
        area=item.area,
        data={"version": item.version, "notice_id": notice.pk},
    )
    return notice


@transaction.atomic
def withdraw_notice(*, notice: OnboardingNotice, by: User) -> None:
    """Take a mistaken correction down (it stays in the history)."""
    notice.withdrawn_on = timezone.localdate()
    notice.save(update_fields=["withdrawn_on"])
    audit.log(
        action="onboarding.notice_withdrawn",
        obj=notice.item,
        actor=by,
        area=notice.item.area,
        data={"notice_id": notice.pk},
    )


@transaction.atomic
def set_withdrawn(*, item: OnboardingItem, withdrawn: bool, by: User) -> None:
    """Withdraw an item that is no longer in use (staff no longer see it or
    confirm it), or bring it back."""
    item.withdrawn_on = timezone.localdate() if withdrawn else None
    item.save(update_fields=["withdrawn_on", "changed_at"])
    audit.log(
        action="onboarding.withdrawn" if withdrawn else "onboarding.restored",
        obj=item,
        actor=by,
        area=item.area,
    )


# ---------------------------------------------------------------------------
# The yearly confirmation
# ---------------------------------------------------------------------------


class MaterialChanged(Exception):
    """The material changed between showing it and the confirmation."""


@transaction.atomic
def confirm(
    *, user: User, shown: Mapping[str, int], language: str, now: datetime.datetime | None = None
) -> OnboardingConfirmation:
    """Record "I have gone through the material" with the versions the person
    was shown. If any item changed (or came) after the page was shown, nothing
    is recorded: the person is shown the change first."""
    current = required_versions(user)
    if any(int(shown.get(pk, 0)) != version for pk, version in current.items()):
        raise MaterialChanged
    now = now or timezone.now()
    return OnboardingConfirmation.objects.create(
        user=user,
        confirmed_at=now,
        confirmed_on=timezone.localdate(now),
        language=language if language in ONBOARDING_LANGUAGES else ONBOARDING_LANGUAGES[0],
        versions=current,
    )


# ---------------------------------------------------------------------------
# The yearly reminder (python manage.py send_onboarding_reminders, from cron)
# ---------------------------------------------------------------------------


def reminders_due(today: datetime.date) -> list[OnboardingConfirmation]:
    """The latest confirmations of venue staff whose year is up within a month
    (or already) and who have not been reminded of it."""
    newer = OnboardingConfirmation.objects.filter(
        user=OuterRef("user"), confirmed_at__gt=OuterRef("confirmed_at")
    )
    staff = Membership.objects.filter(
        user=OuterRef("user"),
        role__in=access.VENUE_STAFF_ROLES,
        site__is_active=True,
        site__organisation__kind=Organisation.Kind.VENUE,
    )
    # A year is at least 364 days: older confirmations are the only candidates.
    candidates = (
        OnboardingConfirmation.objects.filter(
            reminder_sent_at__isnull=True,
            user__is_active=True,
            confirmed_on__lte=today - datetime.timedelta(days=364 - REMIND_DAYS_BEFORE),
        )
        .filter(Exists(staff))
        .exclude(Exists(newer))
        .select_related("user")
        .order_by("confirmed_on", "pk")
    )
    horizon = today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    return [c for c in candidates if c.due_on < horizon]


def send_reminders(*, today: datetime.date | None = None) -> int:
    """Email each person due a reminder, once per confirmation (that is, once
    a year). Each is claimed under a row lock and marked in the same
    transaction as its email is sent, so that two runs at once, or a run again
    the same day, send nothing twice; an email that fails is tried again on the
    next run. Returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    for candidate in reminders_due(today):
        try:
            with transaction.atomic():
                confirmation = (
                    OnboardingConfirmation.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk=candidate.pk, reminder_sent_at__isnull=True)
                    .select_related("user")
                    .first()
                )
                if confirmation is None:
                    continue  # another run has it
                _send_reminder(confirmation, today)
                confirmation.reminder_sent_at = timezone.now()
                confirmation.save(update_fields=["reminder_sent_at"])
                sent += 1
        except Exception:
            log.exception("The onboarding reminder to user %s was not sent", candidate.user_id)
    return sent


def _send_reminder(confirmation: OnboardingConfirmation, today: datetime.date) -> None:
    """The reminder, in the language the person last went through the material in."""
    with translation.override(confirmation.language):
        context = {
            "user": confirmation.user,
            "confirmation": confirmation,
            "overdue": confirmation.due_on < today,
            "link": settings.SITE_URL + reverse("venues:onboarding"),
        }
        send_mail(
            subject=render_to_string(
                "venues/onboarding/email/reminder_subject.txt", context
            ).strip(),
            message=render_to_string("venues/onboarding/email/reminder.txt", context),
            from_email=None,
            recipient_list=[confirmation.user.email],
        )
