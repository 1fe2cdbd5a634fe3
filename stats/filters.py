"""What a report covers: the period and the filters, read from the query string."""

import calendar
import datetime
from dataclasses import dataclass

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from usage.models import Redemption
from venues.models import Offering, Site

FIRST_YEAR = 2020
MAX_CUSTOM_DAYS = 10 * 366


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | custom
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls("year", datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        last = calendar.monthrange(year, month)[1]
        return cls("month", datetime.date(year, month, 1), datetime.date(year, month, last))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        first = 3 * (quarter - 1) + 1
        last = calendar.monthrange(year, first + 2)[1]
        return cls("quarter", datetime.date(year, first, 1), datetime.date(year, first + 2, last))

    @property
    def whole_months(self) -> bool:
        """Starts on the first of a month and ends on the last of a month."""
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        return self.start.day == 1 and self.end.day == last

    @property
    def calendar_period(self) -> tuple[str, datetime.date] | None:
        """("month"|"quarter"|"year", first day) when the period is exactly one
        calendar month, quarter or year; None otherwise."""
        if not self.whole_months:
            return None
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        if months == 1:
            return ("month", self.start)
        if months == 3 and self.start.month in (1, 4, 7, 10):
            return ("quarter", self.start)
        if months == 12 and self.start.month == 1:
            return ("year", self.start)
        return None

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return gettext("Q%(quarter)d/%(year)d") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        if self.kind == "month":
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        return "{} – {}".format(
            formats.date_format(self.start, "SHORT_DATE_FORMAT"),
            formats.date_format(self.end, "SHORT_DATE_FORMAT"),
        )

    @property
    def slug(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}-q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


@dataclass(frozen=True)
class Filters:
    """The period and the optional filters of a report."""

    period: Period
    site: Site | None = None
    sector: str = ""
    kind: str = ""
    channel: str = ""

    @property
    def narrows_uses(self) -> bool:
        """Filters that the summary's holder and distinct-card counts are not
        broken down by (the per-offering cells are)."""
        return bool(self.sector or self.kind or self.channel)

    def described(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in use, for the page, the sheet and the PDF."""
        rows = [(gettext("Period"), self.period.label)]
        if self.site:
            rows.append((gettext("Site"), self.site.name))
        if self.sector:
            rows.append((gettext("Sector"), str(Offering.Sector(self.sector).label)))
        if self.kind:
            rows.append((gettext("Offering kind"), str(Offering.Kind(self.kind).label)))
        if self.channel:
            rows.append((gettext("Channel"), str(Redemption.Channel(self.channel).label)))
        return rows


def _blank(label):
    return [("", label)]


class QuickSelect(forms.Select):
    """A select rendered in Python: the national site filter has hundreds of
    options, and a template per option would cost more than the figures."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value])}
        final = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) in selected else "", label)
                for option, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


# The fields each kind of period reads; the others are ignored (and, in the
# browser, disabled and hidden by stats/report-filters.js).
PERIOD_FIELDS = {
    "year": ("year",),
    "quarter": ("year", "quarter"),
    "month": ("year", "month"),
    "custom": ("start", "end"),
}
PERIOD_FIELD_NAMES = ("year", "quarter", "month", "start", "end")


class ReportFilterForm(forms.Form):
    """The filters above a report. Read from GET; every field is optional and an
    invalid value falls back to the default (the current year, everything).
    Only the fields of the chosen period are read: a quarter or a month sent
    beside "year" (as a browser without JavaScript does) is ignored."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("year", _("Year")),
            ("quarter", _("Quarter")),
            ("month", _("Month")),
            ("custom", _("Custom range")),
        ],
        required=False,
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=FIRST_YEAR)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[(q, f"Q{q}") for q in range(1, 5)],
        required=False,
    )
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=[], required=False)
    # A date input takes ISO dates only, whatever the reader's format.
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("All sites")
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    kind = forms.ChoiceField(label=_("Offering kind"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, data=None, *, sites: QuerySet[Site] | None = None, today=None):
        if data is not None:
            data = data.copy()
            relevant = PERIOD_FIELDS.get(data.get("period") or "year", ())
            for name in PERIOD_FIELD_NAMES:
                if name not in relevant:
                    data.pop(name, None)
        super().__init__(data)
        self.today = today or timezone.localdate()
        # The upper bound depends on today, so it is added here, as a validator
        # (setting max_value after the field is made would check nothing).
        last_year = self.today.year + 1
        self.fields["year"].max_value = last_year
        self.fields["year"].validators.append(MaxValueValidator(last_year))
        self.fields["year"].widget.attrs["max"] = last_year
        first_day, last_day = datetime.date(FIRST_YEAR, 1, 1), datetime.date(last_year, 12, 31)
        for name in ("start", "end"):
            self.fields[name].validators += [
                MinValueValidator(first_day),
                MaxValueValidator(last_day),
            ]
            self.fields[name].widget.attrs.update(min=first_day, max=last_day)
        self.fields["month"].choices = [
            (m, formats.date_format(datetime.date(2000, m, 1), "F")) for m in range(1, 13)
        ]
        self.fields["sector"].choices = _blank(_("All sectors")) + list(Offering.Sector.choices)
        self.fields["kind"].choices = _blank(_("All kinds")) + list(Offering.Kind.choices)
        self.fields["channel"].choices = _blank(_("All channels")) + list(
            Redemption.Channel.choices
        )
        if sites is None:
            del self.fields["site"]
        else:
            self.fields["site"].queryset = sites.order_by("name")
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = QuickSelect(choices=field.widget.choices)
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        for name in PERIOD_FIELD_NAMES:
            periods = [period for period, names in PERIOD_FIELDS.items() if name in names]
            self.fields[name].widget.attrs["data-periods"] = " ".join(periods)

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("A custom range needs both a start and an end."))
            if end < start:
                raise forms.ValidationError(_("The range ends before it starts."))
            if (end - start).days > MAX_CUSTOM_DAYS:
                raise forms.ValidationError(_("A custom range can be at most ten years."))
        self._check_folded(data)
        return data

    def _check_folded(self, data: dict) -> None:
        """Uses folded by the data retention are kept only in the summary, which
        answers whole calendar periods without the use filters."""
        from stats import summary

        folded = summary.folded_before()
        if folded is None:
            return
        period = self._period(data)
        narrows = any(data.get(name) for name in ("sector", "kind", "channel"))
        if period.start < folded and (period.calendar_period is None or narrows):
            raise forms.ValidationError(
                _(
                    "Uses before %(day)s are kept only as summary figures (data retention): "
                    "choose a year, a quarter or a month, without a sector, kind or channel."
                )
                % {"day": formats.date_format(folded, "SHORT_DATE_FORMAT")}
            )

    def _period(self, data: dict) -> Period:
        year = data.get("year") or self.today.year
        kind = data.get("period") or "year"
        if kind == "month":
            return Period.month(year, data.get("month") or self.today.month)
        if kind == "quarter":
            return Period.quarter(year, data.get("quarter") or (self.today.month - 1) // 3 + 1)
        if kind == "custom":
            return Period("custom", data["start"], data["end"])
        return Period.year(year)

    def filters(self) -> Filters:
        """The filters asked for, or the defaults where the input was invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return Filters(
            period=self._period(data),
            site=data.get("site"),
            sector=data.get("sector") or "",
            kind=data.get("kind") or "",
            channel=data.get("channel") or "",
        )
