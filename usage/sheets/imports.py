"""Importing offline uses: the Excel table, a CSV, a ticketing system's sales
report, or a paper form typed in.

The pattern is pretix's: upload, preview, map columns, validate, and save in
one transaction.

1. `start_file_import` reads the upload (`usage.sheets.files`), finds its
   columns by their headers (fi, sv or en, in any order) or by the mapping
   remembered for the site, and reads the rows. A report with foreign headers
   waits for `apply_columns`, which remembers the choice for the site.
2. The preview is the real thing rolled back: every row goes through
   `record_redemptions` in one transaction that is then rolled back, so rows
   that collide with each other or with a cap are shown exactly as they will
   be recorded. Nothing is saved but the batch.
3. `confirm_batch` runs the same rows again for real, in one transaction,
   after the fact (a use over a cap is recorded and flagged).

"Never twice" is the recording service's duplicate rule (the same card,
offering and date is `already_recorded`): importing a file again records
nothing new, and says which rows were already in the register.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from kaikukanta import audit, errors
from usage.card_ids import normalise_card_id
from usage.models import ImportBatch, Redemption, SiteColumnMapping
from usage.services import (
    REFUSAL_MESSAGES,
    Recorded,
    RedemptionRefused,
    UseRequest,
    record_redemptions,
)
from usage.sheets.files import (
    SKIP_ABOVE_HEADER,
    SKIP_ONLY_NOTE,
    SKIP_OTHER_COLUMNS,
    FileRefused,
    Located,
    RawRow,
    cell_text,
    open_upload,
    shown_text,
)
from usage.sheets.offline_table import offering_pk_from_code, offerings_in_period, table_columns
from venues.models import Offering, Site, User

FIELDS = ("date", "offering", "card_id", "children")
REQUIRED = ("date", "card_id")


class Outcome:
    RECORDED = "recorded"
    OVER_CAP = "over_cap"
    ALREADY = "already"
    REFUSED = "refused"
    SKIPPED = "skipped"  # not a use: above the header row, or only a note


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------

# Headers the import understands, besides the table's own in every language.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "date of use",
        "day",
        "päivämäärä",
        "päivä",
        "pvm",
        "pvm.",
        "käyttöpäivä",
        "käyttöpäivämäärä",
        "datum",
        "dag",
        "användningsdag",
        "användningsdatum",
    ),
    "offering": (
        "offering",
        "event",
        "show",
        "tarjonta",
        "esitys",
        "tapahtuma",
        "näytös",
        "utbud",
        "föreställning",
        "evenemang",
    ),
    "card_id": (
        "card id",
        "card",
        "card number",
        "card no",
        "kortin tunnus",
        "kortin numero",
        "korttinumero",
        "kortti",
        "kaikukortti",
        "kaikukortin numero",
        "kaikukortin tunnus",
        "kortets nummer",
        "kortnummer",
        "kortets id",
        "kort-id",
        "kortets kod",
    ),
    "children": (
        "children's tickets",
        "children",
        "child tickets",
        "children tickets",
        "lasten liput",
        "lasten lippuja",
        "lastenliput",
        "lapset",
        "lapsia",
        "barnbiljetter",
        "barn",
        "antal barn",
    ),
    "notes": (
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "remark",
        "additional information",
        "more information",
        "info",
        "huomiot",
        "huomio",
        "huom",
        "huom.",
        "huomautukset",
        "huomautus",
        "lisätiedot",
        "lisätietoja",
        "lisätieto",
        "kommentti",
        "kommentit",
        "muistiinpanot",
        "muistiinpano",
        "selite",
        "muuta",
        "anteckningar",
        "anteckning",
        "noteringar",
        "notering",
        "anmärkning",
        "anmärkningar",
        "kommentar",
        "kommentarer",
        "tilläggsinformation",
        "övrigt",
        "obs",
        "obs.",
    ),
}


def normalise_header(text: Any) -> str:
    """A header as compared: case, spacing, quotes, a trailing ':' or '*' and
    anything in parentheses do not matter."""
    text = cell_text(text).replace("’", "'").replace("`", "'")
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(text.casefold().split()).strip(":* ")


def _known_headers() -> dict[str, str]:
    """normalised header → field, in every language of the site."""
    known = {normalise_header(h): f for f, names in HEADER_SYNONYMS.items() for h in names}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column in table_columns():
                known[normalise_header(column.header)] = column.field
    return known


def recognise_headers(headers: list[str]) -> dict[str, int]:
    """field → the first column whose header names it."""
    known = _known_headers()
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = known.get(normalise_header(header))
        if field and field not in found:
            found[field] = index
    return found


@dataclass
class Mapping:
    """Which column holds what: field → 0-based column index, or one offering
    for the whole file. `origin` says where the mapping came from. `remember`
    holds the columns (field → normalised header) that confirming the import
    will remember for the site, when the user asked for it."""

    columns: dict[str, int]
    offering_id: int | None = None
    origin: str = "table"  # table | remembered | chosen | entry
    remember: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "columns": self.columns,
            "offering_id": self.offering_id,
            "origin": self.origin,
        }
        if self.remember:
            data["remember"] = self.remember
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Mapping":
        return cls(
            columns={k: int(v) for k, v in (data.get("columns") or {}).items()},
            offering_id=data.get("offering_id"),
            origin=data.get("origin", "chosen"),
            remember=data.get("remember") or None,
        )


def own_mapping(headers: list[str]) -> Mapping | None:
    """The table's own columns, when the headers name date, offering and card ID."""
    found = recognise_headers(headers)
    if not {"date", "offering", "card_id"} <= found.keys():
        return None
    return Mapping({f: found[f] for f in FIELDS if f in found}, origin="table")


def remembered_mapping(headers: list[str], remembered: dict[str, str] | None) -> Mapping | None:
    """The site's remembered report columns, when this file has every one of
    them. A mapping with one offering for the whole file is not reused on its
    own: the next report is for another show."""
    if not remembered or not all(remembered.get(f) for f in ("date", "card_id", "offering")):
        return None
    normalised = [normalise_header(h) for h in headers]
    columns = {}
    for field_name, header in remembered.items():
        if field_name not in FIELDS or not header:
            continue
        if header not in normalised:
            return None
        columns[field_name] = normalised.index(header)
    return Mapping(columns, origin="remembered")


_CARD_ID_LIKE = re.compile(r"^(?=.*\d)[A-Z0-9-]{4,20}$")


def _is_date(text: str) -> bool:
    return bool(text) and parse_date(text, datetime.date.max)[1] is None


def looks_like_data(cells: list[str]) -> bool:
    """Whether a row taken for the headers is a use instead: it holds a date
    (no header is one)."""
    return any(_is_date(cell) for cell in cells)


def guessed_mapping(samples: list[list[str]]) -> Mapping:
    """Columns guessed from the values of a file without a header row: the
    first column of dates, and the first other column of card IDs."""
    width = max((len(row) for row in samples), default=0)

    def column(test, taken=()) -> int | None:
        for index in range(width):
            values = [row[index] for row in samples if index < len(row) and row[index]]
            if index not in taken and values and all(test(v) for v in values):
                return index
        return None

    columns: dict[str, int] = {}
    date = column(_is_date)
    if date is not None:
        columns["date"] = date
    card = column(
        lambda v: bool(_CARD_ID_LIKE.match(normalise_card_id(v))) and not _is_date(v),
        taken=set(columns.values()),
    )
    if card is not None:
        columns["card_id"] = card
    return Mapping(columns, origin="chosen")


def suggested_mapping(headers: list[str], remembered: dict[str, str] | None) -> Mapping:
    """A starting point for choosing the columns: what is remembered or recognised."""
    found = recognise_headers(headers)
    normalised = [normalise_header(h) for h in headers]
    for field_name, header in (remembered or {}).items():
        if field_name in FIELDS and header in normalised:
            found[field_name] = normalised.index(header)
    return Mapping({f: found[f] for f in FIELDS if f in found}, origin="chosen")


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

PROBLEM_MESSAGES: dict[str, Any] = {
    "date_missing": gettext_lazy("The date is missing."),
    "date_invalid": gettext_lazy("This is not a date. Write it as 24.11.2026 or 2026-11-24."),
    "date_in_future": gettext_lazy(
        "The date is in the future. Uses are entered after they have happened."
    ),
    "card_id_missing": gettext_lazy("The card ID is missing."),
    "offering_unknown": gettext_lazy(
        "None of the site's offerings matches this. Choose the offering from the table's "
        "list, or write the code printed on the paper form."
    ),
    "offering_code_invalid": gettext_lazy(
        "This is not an offering code of the paper form: check the digits."
    ),
    "offering_ambiguous": gettext_lazy(
        "Several offerings of the site match this on that date. Use the offering's code, "
        "or choose it from the table's list."
    ),
    "formula_without_value": gettext_lazy(
        "The cell holds a formula without a value. Open the file in Excel so that it "
        "calculates, save it and upload it again, or write the value itself."
    ),
    "merged_cells": gettext_lazy(
        "The row's cells are merged across columns (%(cells)s). Unmerge them and write "
        "each value in its own cell."
    ),
}

# The column a refusal of the recording service is about.
CODE_COLUMNS = {
    "card_id_malformed": "card_id",
    "card_unknown": "card_id",
    "card_expired": "card_id",
    "card_not_yet_valid": "card_id",
    "card_closed": "card_id",
    "children_not_allowed": "children",
    "too_many_children": "children",
    "children_invalid": "children",
    "offering_not_at_site": "offering",
    "offering_excluded": "offering",
    "offering_not_on_date": "offering",
    "offering_required": "offering",
    "cap_reached": "offering",
    "date_not_kept": "date",
}

_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME_AFTER_DATE = re.compile(
    r"(?:\s+|T)(?:klo\.?\s*|kl\.?\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?\s*$", re.IGNORECASE
)
_TIME_IN_TEXT = re.compile(r"\b(\d{1,2})[:.](\d{2})\b")
_TIME_AT_END = re.compile(r"\s+(?:klo\.?\s*|kl\.?\s*)?\d{1,2}[:.]\d{2}$", re.IGNORECASE)
_CODE_IN_LABEL = re.compile(r"\[(\d{2,})\]$")


def parse_date(value: Any, today: datetime.date) -> tuple[datetime.date | None, str | None]:
    """A date from a cell: a real date, an Excel day number, ISO text or Finnish
    text (24.11.2026, 24.11.26, or 24.11. for the latest such day)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "date_missing"
    day: datetime.date | None = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell without a date format shows Excel's day number.
        if 20_000 <= value <= 80_000:
            day = from_excel(value).date()
    else:
        text = _TIME_AFTER_DATE.sub("", str(value).strip())
        try:
            if match := _ISO_DATE.match(text):
                day = datetime.date(*(int(part) for part in match.groups()))
            elif match := _FINNISH_DATE.match(text):
                d, m, y = match.groups()
                if y is None:
                    day = datetime.date(today.year, int(m), int(d))
                    if day > today:
                        day = day.replace(year=today.year - 1)
                else:
                    year = int(y) + 2000 if len(y) == 2 else int(y)
                    day = datetime.date(year, int(m), int(d))
        except ValueError:  # 31.2.2026
            day = None
    if day is None:
        return None, "date_invalid"
    if day > today:
        return day, "date_in_future"
    return day, None


def parse_children(value: Any) -> tuple[int | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0, None
    if isinstance(value, bool):
        return None, "children_invalid"
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        return (int(value), None) if value.is_integer() else (None, "children_invalid")
    text = str(value).strip()
    if re.fullmatch(r"\d{1,3}", text):
        return int(text), None
    return None, "children_invalid"


def parse_card_id(value: Any) -> tuple[str, str | None]:
    # Longer than any card ID is malformed anyway; the batch need not keep it whole.
    card_id = normalise_card_id(cell_text(value))[:64]
    return card_id, (None if card_id else "card_id_missing")


def _title_key(text: str) -> str:
    return " ".join(text.casefold().split())


class OfferingResolver:
    """Finds the offering a cell means: a label of the table's hidden sheet
    (as it was when the table was downloaded), an offering code (alone or at
    the end of a label), or an offering's title on that date."""

    def __init__(
        self,
        site: Site,
        *,
        key_labels: dict[str, int],
        days: list[datetime.date],
        fixed_offering_id: int | None = None,
    ):
        self.key_labels = key_labels
        self.fixed = fixed_offering_id
        self.by_title: dict[str, list[Offering]] = {}
        if days and fixed_offering_id is None:
            # A month around the file's dates, so that a title on another day
            # is found and refused as "not on that date" rather than unknown.
            margin = datetime.timedelta(days=31)
            period = offerings_in_period(
                site, min(days) - margin, max(days) + margin, include_excluded=True
            ).order_by("pk")
            for offering in period:
                self.by_title.setdefault(_title_key(offering.title), []).append(offering)

    def resolve(self, value: Any, day: datetime.date | None) -> tuple[int | None, str | None]:
        if self.fixed is not None:
            return self.fixed, None
        text = cell_text(value)
        if not text:
            return None, None  # plain admission
        if text in self.key_labels:
            return self.key_labels[text], None
        by_title = self._by_title(text, day)
        if by_title is not None:
            return by_title
        match = _CODE_IN_LABEL.search(text)
        bare = text.lstrip("#")
        code = match.group(1) if match else bare if bare.isdigit() else ""
        if code:
            pk = offering_pk_from_code(code)
            return (pk, None) if pk else (None, "offering_code_invalid")
        return None, "offering_unknown"

    def _by_title(
        self, text: str, day: datetime.date | None
    ) -> tuple[int | None, str | None] | None:
        """The offering whose title the text is (a report's "Hamlet 19:00" too)."""
        candidates = self.by_title.get(_title_key(text)) or self.by_title.get(
            _title_key(_TIME_AT_END.sub("", text))
        )
        if not candidates:
            return None
        on_day = [o for o in candidates if day is not None and o.is_on(day)]
        times = {(int(h), int(m)) for h, m in _TIME_IN_TEXT.findall(text)}
        if len(on_day) > 1 and times:
            on_day = [
                o
                for o in on_day
                if o.start_time and (o.start_time.hour, o.start_time.minute) in times
            ] or on_day
        if len(on_day) == 1:
            return on_day[0].pk, None
        if len(on_day) > 1:
            return None, "offering_ambiguous"
        # None on that day: the recording service says so in its own words.
        return candidates[0].pk, None


def interpret_rows(
    raw_rows: list[RawRow],
    *,
    site: Site,
    key_labels: dict[str, int] | None = None,
    fixed_offering_id: int | None = None,
    today: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """The rows to record, as plain data: date, offering, card ID, children,
    what the file said (for the preview), and any problem found in reading
    them. Nothing else of the file is kept (never the notes)."""
    today = today or timezone.localdate()
    dates = [parse_date(row.values.get("date"), today) for row in raw_rows]
    resolver = OfferingResolver(
        site,
        key_labels=key_labels or {},
        days=[
            d
            for raw, (d, problem) in zip(raw_rows, dates, strict=True)
            if d is not None and problem is None and not raw.skip
        ],
        fixed_offering_id=fixed_offering_id,
    )
    rows = []
    for raw, (day, date_problem) in zip(raw_rows, dates, strict=True):
        if raw.skip:
            rows.append(_skipped_row(raw))
            continue
        problems = list(raw.problems)
        if date_problem:
            problems.append({"code": date_problem, "column": "date"})
        offering_id, offering_problem = resolver.resolve(raw.values.get("offering"), day)
        if offering_problem:
            problems.append({"code": offering_problem, "column": "offering"})
        card_id, card_problem = parse_card_id(raw.values.get("card_id"))
        if card_problem:
            problems.append({"code": card_problem, "column": "card_id"})
        children, children_problem = parse_children(raw.values.get("children"))
        if children_problem:
            problems.append({"code": children_problem, "column": "children"})
        shown_date = cell_text(raw.values.get("date"))
        if day is not None:
            shown_date = day.isoformat()
        rows.append(
            {
                "n": raw.number,
                "date": day.isoformat() if day else None,
                "offering_id": offering_id,
                "card_id": card_id,
                "children": children,
                "shown": {
                    "date": shown_date[:40],
                    "offering": cell_text(raw.values.get("offering"))[:120],
                    "card_id": (card_id or cell_text(raw.values.get("card_id")))[:40],
                    "children": cell_text(raw.values.get("children"))[:10],
                },
                "problems": problems,
            }
        )
    return rows


def _skipped_row(raw: RawRow) -> dict[str, Any]:
    """A row that is not read as a use, with what its chosen columns hold (for
    the preview: never a note or another column) and why it is skipped."""
    return {
        "n": raw.number,
        "date": None,
        "offering_id": None,
        "card_id": "",
        "children": None,
        "shown": {
            "date": shown_text(raw.values.get("date"))[:40],
            "offering": cell_text(raw.values.get("offering"))[:120],
            "card_id": cell_text(raw.values.get("card_id"))[:40],
            "children": cell_text(raw.values.get("children"))[:10],
        },
        "problems": [],
        "skip": raw.skip,
    }


# ---------------------------------------------------------------------------
# Running the rows through the recording service
# ---------------------------------------------------------------------------


def _run_rows(
    *, site: Site, channel: str, rows: list[dict[str, Any]], user: User | None
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The rows through `record_redemptions`, after the fact, in order, in one
    go. The caller holds the transaction (and rolls it back for a preview)."""
    offerings = Offering.objects.in_bulk(
        {row["offering_id"] for row in rows if row["offering_id"] is not None}
    )
    outcomes: list[dict[str, Any] | None] = [None] * len(rows)
    to_record: list[tuple[int, UseRequest]] = []
    for position, row in enumerate(rows):
        offering = offerings.get(row["offering_id"]) if row["offering_id"] is not None else None
        if row.get("skip"):
            outcomes[position] = {"status": Outcome.SKIPPED, "reason": row["skip"]}
        elif row["problems"]:
            outcomes[position] = {"status": Outcome.REFUSED, "problems": row["problems"]}
        elif row["offering_id"] is not None and offering is None:
            problem = {"code": "offering_unknown", "column": "offering"}
            outcomes[position] = {"status": Outcome.REFUSED, "problems": [problem]}
        else:
            use = UseRequest(
                card_id=row["card_id"],
                offering=offering,
                used_on=datetime.date.fromisoformat(row["date"]),
                children=row["children"],
            )
            to_record.append((position, use))
    results = record_redemptions(
        site=site,
        uses=[use for _position, use in to_record],
        channel=channel,
        recorded_by=user,
        after_the_fact=True,
    )
    row_of_use = {  # a use recorded in this run → its row
        result.redemption.pk: rows[position]["n"]
        for (position, _use), result in zip(to_record, results, strict=True)
        if isinstance(result, Recorded)
    }
    for (position, _use), result in zip(to_record, results, strict=True):
        if isinstance(result, RedemptionRefused):
            outcomes[position] = _refused(result, row_of_use)
        else:
            status = Outcome.OVER_CAP if result.redemption.over_cap else Outcome.RECORDED
            outcomes[position] = {"status": status}
    done = [outcome for outcome in outcomes if outcome is not None]
    counts = {
        status: sum(1 for o in done if o["status"] == status)
        for status in (
            Outcome.RECORDED,
            Outcome.OVER_CAP,
            Outcome.ALREADY,
            Outcome.REFUSED,
            Outcome.SKIPPED,
        )
    }
    counts["total"] = len(done)
    return done, counts


def _refused(refusal: RedemptionRefused, row_of_use: dict[int, int]) -> dict[str, Any]:
    if refusal.code == "already_recorded":
        earlier = refusal.redemption
        outcome: dict[str, Any] = {"status": Outcome.ALREADY}
        if earlier is not None and earlier.pk in row_of_use:
            outcome["same_file_row"] = row_of_use[earlier.pk]
        elif earlier is not None:
            outcome["channel"] = earlier.channel
            outcome["recorded_on"] = timezone.localdate(earlier.recorded_at).isoformat()
        return outcome
    problem = {"code": refusal.code, "column": CODE_COLUMNS.get(refusal.code, "")}
    if refusal.remaining is not None:
        problem["remaining"] = refusal.remaining
    return {"status": Outcome.REFUSED, "problems": [problem]}


def _preview(batch: ImportBatch, site: Site, user: User | None) -> None:
    """Run the rows for real and roll everything back: exact outcomes, nothing saved."""
    with transaction.atomic():
        outcomes, counts = _run_rows(site=site, channel=batch.channel, rows=batch.rows, user=user)
        transaction.set_rollback(True)
    batch.outcomes = outcomes
    batch.counts = counts
    batch.status = ImportBatch.Status.PREVIEW
    batch.previewed_at = timezone.now()


# ---------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------


def purge_stale_batches(now: datetime.datetime | None = None) -> int:
    """Delete unconfirmed batches left behind (nothing of them was recorded)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=ImportBatch.PENDING_DAYS)
    deleted, _by_model = (
        ImportBatch.objects.filter(created_at__lt=cutoff)
        .exclude(status=ImportBatch.Status.CONFIRMED)
        .delete()
    )
    return deleted


def _remembered(site: Site) -> dict[str, str] | None:
    mapping = SiteColumnMapping.objects.filter(site=site).first()
    return mapping.columns if mapping else None


def start_file_import(
    *,
    site: Site,
    user: User,
    data: bytes,
    file_name: str,
    choose_columns: bool = False,
) -> ImportBatch:
    """Read an uploaded file into a new batch: previewed at once when its
    columns are known (the table's own headers, or the site's remembered
    mapping), otherwise waiting for `apply_columns`. Raises FileRefused, and
    then saves nothing."""
    purge_stale_batches()
    remembered = _remembered(site)
    upload = open_upload(data, file_name)
    try:
        located = upload.locate(
            lambda headers: bool(own_mapping(headers) or remembered_mapping(headers, remembered))
        )
        batch = ImportBatch(
            site=site,
            channel=Redemption.Channel.IMPORT,
            file_format=upload.file_format,
            filename=file_name[:255],
            file_size=len(data),
            sheet=located.sheet_name[:100],
            header_row=located.header_row,
            headers=[h[:100] for h in located.headers],
            uploaded_by=user,
        )
        mapping = own_mapping(located.headers) or remembered_mapping(located.headers, remembered)
        if mapping is None or choose_columns:
            batch.content = data
            batch.status = ImportBatch.Status.MAPPING
            batch.mapping = suggested_mapping(located.headers, remembered).to_json()
            batch.save()
            return batch
        _read(batch, upload, located, mapping, site)
    finally:
        upload.close()
    _preview(batch, site, user)
    batch.save()
    return batch


def _read(batch: ImportBatch, upload, located: Located, mapping: Mapping, site: Site) -> None:
    columns = dict(mapping.columns)
    found = recognise_headers(located.headers)
    read = upload.read_rows(
        located.sheet_name, located.header_row, columns, notes=found.get("notes")
    )
    if not any(row.skip != SKIP_ABOVE_HEADER for row in read.rows):
        raise FileRefused("no_rows")
    batch.header_row = located.header_row
    batch.headers = [h[:100] for h in located.headers]
    batch.rows = interpret_rows(
        read.rows,
        site=site,
        key_labels=read.key_labels,
        fixed_offering_id=mapping.offering_id,
    )
    batch.mapping = mapping.to_json()
    notices = list(read.notices)
    if "notes" in found:
        notices.append({"code": "notes_ignored", "header": located.headers[found["notes"]]})
    used = set(columns.values()) | ({found["notes"]} if "notes" in found else set())
    ignored = [h for i, h in enumerate(located.headers) if h and i not in used]
    if ignored:
        notices.append({"code": "columns_ignored", "headers": ignored[:20]})
    if located.ignored_sheets:
        notices.append({"code": "sheets_ignored", "sheets": located.ignored_sheets[:10]})
    if mapping.origin == "remembered":
        notices.append({"code": "mapping_remembered"})
    if located.header_row == 0:
        notices.append({"code": "no_header"})
    batch.notices = notices


def describe_columns(batch: ImportBatch, *, no_header: bool | None = None) -> tuple[Located, bool]:
    """The headers and the first rows of a batch waiting for its columns, and
    whether they are shown as a file without a header row: as asked, or, when
    not asked, when the row found for the headers looks like a use."""
    upload = open_upload(bytes(batch.content), batch.filename)
    try:
        located = upload.at(batch.sheet, batch.header_row)
        if no_header is None:
            no_header = looks_like_data(located.headers)
        if no_header:
            located = upload.at(batch.sheet, 0)
        return located, no_header
    finally:
        upload.close()


def remembered_columns(site: Site) -> dict[str, str]:
    """The columns remembered for the site (field → normalised header)."""
    return {f: h for f, h in (_remembered(site) or {}).items() if f in FIELDS}


def apply_columns(
    *,
    batch: ImportBatch,
    site: Site,
    user: User,
    mapping: Mapping,
    remember: bool = False,
    no_header: bool = False,
) -> ImportBatch:
    """Read a waiting batch with the columns the user chose (from its first
    row on when the file has no header row), and preview it. With `remember`,
    confirming the import will remember the columns for the site: nothing is
    remembered before. The uploaded file is not kept after this."""
    upload = open_upload(bytes(batch.content), batch.filename)
    try:
        located = upload.at(batch.sheet, 0 if no_header else batch.header_row)
        if remember and located.headers:
            # A file without headers has nothing to recognise the next one by.
            headers = [normalise_header(h) for h in located.headers]
            mapping.remember = {
                f: (headers[i] if i < len(headers) else "") for f, i in mapping.columns.items()
            }
        _read(batch, upload, located, mapping, site)
    finally:
        upload.close()
    batch.content = b""
    _preview(batch, site, user)
    batch.save()
    return batch


def start_entry(*, site: Site, user: User, entries: list[dict[str, str]]) -> ImportBatch:
    """A paper form typed into the batch-entry grid: the same reading, preview
    and confirmation as a file, recorded with channel "paper"."""
    purge_stale_batches()
    raw = [
        RawRow(number, {f: entry.get(f) or None for f in FIELDS})
        for number, entry in enumerate(entries, start=1)
        if any((entry.get(f) or "").strip() for f in FIELDS)
    ]
    batch = ImportBatch(
        site=site,
        channel=Redemption.Channel.PAPER,
        file_format=ImportBatch.Format.ENTRY,
        uploaded_by=user,
        mapping=Mapping({f: i for i, f in enumerate(FIELDS)}, origin="entry").to_json(),
        rows=interpret_rows(raw, site=site),
    )
    _preview(batch, site, user)
    batch.save()
    return batch


def confirm_batch(*, batch: ImportBatch, site: Site, user: User) -> ImportBatch:
    """Record the batch's rows for real, in one transaction. Confirming twice
    (a double click, two people at once) records nothing the second time.

    Should the database go away meanwhile, the batch is recorded whole or not
    at all, and the error says which for the page that answers it
    (kaikukanta.errors): nothing yet when it failed before the commit; not
    known when the commit itself was cut off."""
    committing = False
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status != ImportBatch.Status.PREVIEW:
                return batch
            outcomes, counts = _run_rows(
                site=site, channel=batch.channel, rows=batch.rows, user=user
            )
            batch.outcomes = outcomes
            batch.counts = counts
            batch.status = ImportBatch.Status.CONFIRMED
            batch.confirmed_at = timezone.now()
            batch.confirmed_by = user
            batch.content = b""
            batch.save()
            remember = Mapping.from_json(batch.mapping or {}).remember
            if remember:
                # The columns are remembered only now, as the user asked.
                SiteColumnMapping.objects.update_or_create(
                    site=site, defaults={"columns": remember, "updated_by": user}
                )
            audit.log(
                action="import.confirmed",
                obj=batch,
                actor=user,
                site=site,
                data={"channel": batch.channel, "format": batch.file_format, **counts},
            )
            committing = True  # from here on, only the commit itself can fail
    except DatabaseError as error:
        errors.explain(error, str(CONFIRM_CUT_OFF if committing else CONFIRM_NOT_RECORDED))
        raise
    return batch


# What the outage page says of an import being confirmed as the database went away.
CONFIRM_NOT_RECORDED = gettext_lazy(
    "Nothing of this import was recorded: an import is recorded whole or not at all. "
    "Its preview is kept: open it and confirm it again when the register is back."
)
CONFIRM_CUT_OFF = gettext_lazy(
    "The register went away just as the import was being saved. It was recorded whole "
    "or not at all: open the import when the register is back to see which. Confirming "
    "it again never records a row twice."
)
CONFIRM_RECORDED = gettext_lazy(
    "The import was recorded, every row of it as the preview showed. Its page shows the "
    "outcome once the register is back."
)


def discard_batch(batch: ImportBatch) -> None:
    """Throw away an unconfirmed batch: nothing of it was recorded."""
    if batch.status != ImportBatch.Status.CONFIRMED:
        batch.delete()


# ---------------------------------------------------------------------------
# Words for the pages
# ---------------------------------------------------------------------------


def quoted(text: str) -> str:
    """A header or a sheet name in the reader's quotation marks (“…” in
    English, ”…” in Finnish and Swedish), as the translated sentences around
    it have them."""
    return pgettext("quotation marks around a name", "“%(text)s”") % {"text": text}


def problem_message(problem: dict[str, Any]) -> str:
    code = problem.get("code", "")
    if code in PROBLEM_MESSAGES:
        text = str(PROBLEM_MESSAGES[code])
        return text % {"cells": problem.get("cells", "")} if "%(cells)s" in text else text
    if code in REFUSAL_MESSAGES:
        return RedemptionRefused(code, remaining=problem.get("remaining")).message
    return _("This row cannot be recorded.")


def skip_message(reason: str, header_row: int) -> str:
    """Why a row of the file is not read as a use, in plain words."""
    if reason == SKIP_ABOVE_HEADER:
        return _(
            "Above the header row (row %(row)s), so not read as a use. If it is one, "
            "discard this import and upload the file again with “Let me choose the columns "
            "myself”, then choose “The file has no header row”."
        ) % {"row": header_row}
    if reason == SKIP_ONLY_NOTE:
        return _("Only a note: the row has no date, card ID or offering.")
    if reason == SKIP_OTHER_COLUMNS:
        return _("Nothing in the columns that are read: the row has values only in other columns.")
    return _("This row is not a use.")


def file_column(batch: ImportBatch, index: int) -> str:
    """A column of the file as the user knows it: its header, or, in a file
    without a header row, its letter."""
    if batch.header_row == 0:
        return _("column %(letter)s") % {"letter": get_column_letter(index + 1)}
    if index < len(batch.headers) and batch.headers[index]:
        return _("column %(header)s") % {"header": quoted(batch.headers[index])}
    return ""


def column_labels(batch: ImportBatch) -> dict[str, str]:
    """field → the column's name in plain words (and the file's own column
    when the file is a report with other headers, or without headers)."""
    labels = {c.field: c.header for c in table_columns()}
    mapping = Mapping.from_json(batch.mapping or {})
    if mapping.origin in ("chosen", "remembered"):
        for field_name, index in mapping.columns.items():
            if theirs := file_column(batch, index):
                labels[field_name] = _("%(column)s (the file's %(theirs)s)") % {
                    "column": labels[field_name],
                    "theirs": theirs,
                }
    return labels


def described_columns(columns: dict[str, str]) -> list[tuple[str, str]]:
    """Remembered columns (field → normalised header) as the pages name them:
    our column ← the report's header."""
    names = {c.field: c.header for c in table_columns()}
    return [(names[f], quoted(columns[f])) for f in FIELDS if columns.get(f)]
