"""Changes to the network that more than one page makes."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kaikukanta import access, audit
from venues.models import Area, Membership, Offering, Site, User


def invitation_link(user: User) -> str:
    """A one-time link to set a password. It stops working once the password is
    set (Django's token covers the password hash) and after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("welcome", args=[uid, token])


@transaction.atomic
def invite(
    *,
    email: str,
    full_name: str,
    role: str,
    site: Site | None,
    area: Area | None,
    invited_by: User,
) -> Membership:
    """Give a person a role at a site or for an area, creating their account when
    they have none, and email them. A new person gets a link to set a password;
    someone who already logs in is told of their new access."""
    user, created = User.objects.get_or_create(
        email__iexact=email, defaults={"email": email.lower(), "full_name": full_name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership = Membership.objects.filter(user=user, role=role, site=site, area=area).first()
    if membership is None:
        membership = Membership(user=user, role=role, site=site, area=area)
        membership.full_clean()
        membership.save()
    audit.log(
        action="membership.invited",
        obj=membership,
        actor=invited_by,
        site=site,
        area=area,
        data={"role": role, "user_id": user.pk, "new_account": created},
    )
    needs_password = not user.has_usable_password()
    context = {
        "user": user,
        "membership": membership,
        "invited_by": invited_by,
        "link": invitation_link(user) if needs_password else settings.SITE_URL + reverse("login"),
        "needs_password": needs_password,
    }
    # The email goes out in the inviter's language, after the commit, so that a
    # rolled-back invitation sends nothing.
    language = translation.get_language()

    def send() -> None:
        with translation.override(language):
            send_mail(
                subject=render_to_string("venues/email/invite_subject.txt", context).strip(),
                message=render_to_string("venues/email/invite.txt", context),
                from_email=None,
                recipient_list=[user.email],
            )

    transaction.on_commit(send)
    return membership


def area_of_person(person: User, areas: QuerySet[Area]) -> Area | None:
    """The area an audit entry about a person belongs to: one of `areas` (those
    of the person who made the change) where the person acts; None (national
    only) when they act in none of them."""
    membership = (
        Membership.objects.filter(user=person)
        .filter(Q(site__municipality__area__in=areas) | Q(area__in=areas))
        .select_related("site__municipality")
        .order_by("pk")
        .first()
    )
    if membership is None:
        return None
    return membership.area or membership.site.municipality.area


@transaction.atomic
def send_password_reset_link(*, person: User, sent_by: User) -> None:
    """Email a person a one-time link to set a new password (an admin's way to
    help someone who cannot log in; nobody sets another's password). The caller
    has checked `access.may_manage_account`."""
    audit.log(
        action="person.password_link_sent",
        obj=person,
        actor=sent_by,
        area=area_of_person(person, access.coordinated_areas(sent_by)),
    )
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    context = {
        "person": person,
        "sent_by": sent_by,
        "link": settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token]),
    }
    language = translation.get_language()

    def send() -> None:
        with translation.override(language):
            send_mail(
                subject=render_to_string("venues/email/password_link_subject.txt", context).strip(),
                message=render_to_string("venues/email/password_link.txt", context),
                from_email=None,
                recipient_list=[person.email],
            )

    transaction.on_commit(send)


@transaction.atomic
def remove_membership(*, membership: Membership, removed_by: User) -> None:
    audit.log(
        action="membership.removed",
        obj=membership,
        actor=removed_by,
        site=membership.site,
        area=membership.area,
        data={"role": membership.role, "user_id": membership.user_id},
    )
    membership.delete()


@transaction.atomic
def save_checklist(*, form, site: Site, changed_by: User) -> None:
    checklist = form.save()
    audit.log(
        action="checklist.changed",
        obj=checklist,
        actor=changed_by,
        site=site,
        data={"changed": sorted(form.changed_data)},
    )


@transaction.atomic
def save_offering(*, form, site: Site, changed_by: User) -> Offering:
    """Create or change an offering; a cap change is audited with old and new."""
    creating = form.instance.pk is None
    old_cap = None if creating else Offering.objects.get(pk=form.instance.pk).cap
    offering = form.save(commit=False)
    offering.site = site
    offering.save()
    data = {"changed": sorted(form.changed_data)}
    if creating or "cap" in form.changed_data:
        data |= {"cap_before": old_cap, "cap_after": offering.cap}
    if "excluded" in form.changed_data or (creating and offering.excluded):
        data |= {"excluded": offering.excluded}
    audit.log(
        action="offering.created" if creating else "offering.changed",
        obj=offering,
        actor=changed_by,
        site=site,
        data=data,
    )
    return offering
