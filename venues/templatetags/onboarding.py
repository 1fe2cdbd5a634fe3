"""{% onboarding_desk_note %}: the desk's one line about the cashier's onboarding
and the help link. A tag with its own context, so that the desk's view and
template need only this one line (the desk is reworked elsewhere)."""

from django import template

from venues.onboarding.staff import person_status

register = template.Library()


@register.inclusion_tag("venues/onboarding/_desk_note.html", takes_context=True)
def onboarding_desk_note(context: template.Context) -> dict:
    request = context["request"]
    return {"status": person_status(request.user), "site": context["site"]}
