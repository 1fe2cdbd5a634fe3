"""Forms of the offline fallback: the period of the table and the paper form,
the upload, the choice of a report's columns, and the batch-entry grid."""

import datetime

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from usage.sheets.files import MAX_UPLOAD_BYTES
from usage.sheets.imports import FIELDS, Mapping
from usage.sheets.offline_table import MAX_PERIOD_DAYS
from venues.models import Offering, Site

ENTRY_ROWS = 25  # a paper form's rows
ENTRY_MAX_ROWS = 200


class PeriodForm(forms.Form):
    """The period whose offerings the table and the paper form list."""

    # A date input takes ISO dates only: with the locale's format it would show empty.
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."))
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("Choose a period of at most a year."))
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # told in the import's own words
        label=_("The filled table, a CSV file or a ticketing system's sales report"),
        help_text=_(
            ".xlsx or .csv, at most 5 MB and 10,000 rows. Nothing is saved before you confirm."
        ),
    )
    choose_columns = forms.BooleanField(
        label=_("Let me choose the columns myself"),
        help_text=_("For a sales report whose remembered columns are no longer right."),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB. Split it into smaller files.")
            )
        return upload


def _column_choices(
    headers: list[str], samples: list[list[str]], width: int, no_header: bool
) -> list[tuple[str, str]]:
    """A choice for each column: its letter and header (only its letter in a
    file without a header row), and an example from the rows under it."""
    choices = []
    for index in range(width if no_header else len(headers)):
        example = next((row[index] for row in samples if index < len(row) and row[index]), "")
        letter = get_column_letter(index + 1)
        if no_header:
            label = _("Column %(letter)s") % {"letter": letter}
        else:
            label = _("Column %(letter)s: %(header)s") % {
                "letter": letter,
                "header": headers[index] or _("(no header)"),
            }
        if example:
            label += " – " + _("e.g. %(example)s") % {"example": example[:40]}
        choices.append((f"col:{index}", label))
    return choices


def offering_choices(site: Site) -> list[tuple[str, str]]:
    """The site's offerings of the past year and the coming ones, newest first."""
    since = timezone.localdate() - datetime.timedelta(days=400)
    offerings = Offering.objects.filter(site=site, date__gte=since).order_by(
        "-date", "-start_time"
    )[:300]
    return [(f"offering:{o.pk}", str(o)) for o in offerings]


class ColumnsForm(forms.Form):
    """Which column is which, for a report with headers of its own or a file
    without headers (pretix's pattern: each input is a column of the file or
    a fixed value)."""

    header = forms.ChoiceField(
        label=_("Column headers"),
        widget=forms.RadioSelect,
        required=False,  # not asked: as the page showed it
        help_text=_(
            "Rows above the header row are not read as uses: the next page shows them as skipped."
        ),
    )
    date = forms.ChoiceField(label=_("Date of use"))
    card_id = forms.ChoiceField(label=_("Card ID"))
    offering = forms.ChoiceField(
        label=_("Offering"),
        required=False,
        help_text=_(
            "A column that names the show or event (its title, or its code from the "
            "paper form), or one offering for every row of the file."
        ),
    )
    children = forms.ChoiceField(label=_("Children's tickets"), required=False)
    remember = forms.BooleanField(
        label=_("Remember these columns for this site's next reports"),
        required=False,
    )

    def __init__(
        self,
        *args,
        headers,
        samples,
        site,
        width=0,
        header_row=1,
        no_header=False,
        remembered=(),
        initial_mapping=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["header"].choices = [
            ("row", _("Row %(row)s holds the column headers") % {"row": header_row}),
            (
                "none",
                _(
                    "The file has no header row: its first row is already a use, and its "
                    "columns are called A, B, C and so on"
                ),
            ),
        ]
        if not self.is_bound and "header" not in self.initial:
            self.initial["header"] = "none" if no_header else "row"
        if no_header:
            # A file without headers has nothing to recognise the next one by.
            del self.fields["remember"]
        else:
            remember = self.fields["remember"]
            if remembered:
                # Changing what is remembered is a choice of its own: off by default.
                remember.help_text = _(
                    "Columns remembered now: %(columns)s. Ticking this replaces them when "
                    "you confirm the import."
                ) % {"columns": "; ".join(f"{ours} ← {theirs}" for ours, theirs in remembered)}
            else:
                remember.help_text = _(
                    "The next report with the same headers is then read without asking. "
                    "They are remembered when you confirm the import."
                )
                if not self.is_bound and "remember" not in self.initial:
                    self.initial["remember"] = True
        columns = _column_choices(headers, samples, width, no_header)
        pick = [("", _("Choose a column"))]
        self.fields["date"].choices = pick + columns
        self.fields["card_id"].choices = pick + columns
        self.fields["offering"].choices = [
            ("", _("No offering: plain admission on days without offerings")),
            (_("A column of the file"), columns),
            (_("One offering for the whole file"), offering_choices(site)),
        ]
        self.fields["children"].choices = [
            ("", _("No such column: no children's tickets")),
            *columns,
        ]
        if initial_mapping is not None and not self.is_bound:
            for field_name, index in initial_mapping.columns.items():
                self.initial[field_name] = f"col:{index}"
            if initial_mapping.offering_id:
                self.initial["offering"] = f"offering:{initial_mapping.offering_id}"

    def clean(self):
        data = super().clean()
        chosen = [data.get(f) for f in FIELDS if (data.get(f) or "").startswith("col:")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Choose a different column for each."))
        return data

    def mapping(self) -> Mapping:
        columns: dict[str, int] = {}
        offering_id = None
        for field_name in FIELDS:
            value = self.cleaned_data.get(field_name) or ""
            if value.startswith("col:"):
                columns[field_name] = int(value[4:])
            elif value.startswith("offering:"):
                offering_id = int(value[9:])
        return Mapping(columns, offering_id=offering_id, origin="chosen")


class EntryRowForm(forms.Form):
    """One row of a paper form, typed in. Everything is text here: the rows
    are read by the same rules as an uploaded table."""

    date = forms.CharField(label=_("Date"), required=False, max_length=30)
    offering = forms.CharField(label=_("Offering code"), required=False, max_length=200)
    card_id = forms.CharField(label=_("Card ID"), required=False, max_length=64)
    children = forms.CharField(label=_("Children's tickets"), required=False, max_length=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        common = {"class": "form-control form-control-sm", "autocomplete": "off"}
        self.fields["date"].widget.attrs.update(common, placeholder="24.11.2026", size="11")
        self.fields["offering"].widget.attrs.update(common, list="offering-codes", size="10")
        self.fields["card_id"].widget.attrs.update(
            common, autocapitalize="characters", spellcheck="false", size="16"
        )
        self.fields["children"].widget.attrs.update(
            common, inputmode="numeric", placeholder="0", size="4"
        )


EntryFormSet = formset_factory(
    EntryRowForm,
    extra=ENTRY_ROWS,
    max_num=ENTRY_MAX_ROWS,
    absolute_max=ENTRY_MAX_ROWS,
    validate_max=True,
)
