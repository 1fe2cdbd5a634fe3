"""Pages of the offline fallback: download the table and the paper form,
upload a filled table or a sales report, choose a report's columns, type in a
paper form, preview, confirm. Thin: check access, call `usage.sheets.imports`,
render. Only those who manage the venue site (its contact person, the
area's coordinator) reach them; anyone else gets a 404."""

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from openpyxl.utils import get_column_letter

from kaikukanta import access, errors
from kaikukanta.access import Can
from usage.models import ImportBatch
from usage.sheets import imports
from usage.sheets.files import MAX_UPLOAD_BYTES, FileRefused
from usage.sheets.forms import (
    ENTRY_MAX_ROWS,
    ENTRY_ROWS,
    ColumnsForm,
    EntryFormSet,
    PeriodForm,
    UploadForm,
)
from usage.sheets.imports import FIELDS, Mapping, Outcome
from usage.sheets.offline_table import (
    build_paper_form,
    build_table,
    default_period,
    offering_code,
    offerings_in_period,
    table_columns,
    table_file_name,
)
from venues.models import Offering, Site

ROWS_PER_PAGE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _site(request: HttpRequest, site_id: int) -> Site:
    return access.site_or_404(request.user, site_id, Can.MANAGE_VENUE)


def _batch(request: HttpRequest, pk: int) -> tuple[ImportBatch, Site]:
    """The batch, if the user manages its site; 404 otherwise."""
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch, _site(request, batch.site_id)


def _period(request: HttpRequest) -> tuple[PeriodForm, tuple[datetime.date, datetime.date] | None]:
    """The period asked for in the query (the default one when none is);
    None when the query's period is not valid."""
    start, end = default_period()
    if "start" not in request.GET and "end" not in request.GET:
        return PeriodForm(initial={"start": start, "end": end}), (start, end)
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form, (form.cleaned_data["start"], form.cleaned_data["end"])
    return form, None


def _offline_page(
    request: HttpRequest, site: Site, period_form: PeriodForm | None = None
) -> HttpResponse:
    context = {
        "site": site,
        "period_form": period_form or _period(request)[0],
        "upload_form": UploadForm(),
        "batches": ImportBatch.objects.filter(site=site).select_related("uploaded_by")[:20],
    }
    return render(request, "usage/imports/offline.html", context)


@login_required
@require_GET
def offline_sheets(request: HttpRequest, site_id: int) -> HttpResponse:
    return _offline_page(request, _site(request, site_id))


@login_required
@require_GET
def offline_table(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site(request, site_id)
    form, period = _period(request)
    if period is None:
        return _offline_page(request, site, period_form=form)
    response = HttpResponse(build_table(site, *period), content_type=XLSX)
    name = table_file_name(site, *period, "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def offline_form(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site(request, site_id)
    form, period = _period(request)
    if period is None:
        return _offline_page(request, site, period_form=form)
    response = HttpResponse(build_paper_form(site, *period), content_type="application/pdf")
    name = table_file_name(site, *period, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------------------
# Upload
# ---------------------------------------------------------------------------


class LimitedMemoryUploadHandler(FileUploadHandler):
    """Keeps an upload in memory, never on the local disk (DESIGN.md), and
    stops reading it at the limit: a too large upload is never read whole."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length is not None and content_length > self.limit + 64 * 1024:
            self.too_large = True
            return QueryDict(), MultiValueDict()  # the body is not read at all
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@login_required
def import_upload(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site(request, site_id)
    if request.method == "POST":
        handler = LimitedMemoryUploadHandler(request, limit=MAX_UPLOAD_BYTES)
        request.upload_handlers = [handler]
        request.POST  # noqa: B018 (read the body now, through the handler)
        if handler.too_large:
            # Nothing was read or saved, so there is nothing for CSRF to protect.
            return _upload_refused(request, site, FileRefused("too_large").message)
    return _import_upload(request, site)


@csrf_protect
def _import_upload(request: HttpRequest, site: Site) -> HttpResponse:
    if request.method != "POST":
        return render(request, "usage/imports/upload.html", {"site": site, "form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "usage/imports/upload.html", {"site": site, "form": form})
    upload = form.cleaned_data["file"]
    try:
        batch = imports.start_file_import(
            site=site,
            user=request.user,
            data=upload.read(),
            file_name=upload.name or "",
            choose_columns=form.cleaned_data["choose_columns"],
        )
    except FileRefused as refused:
        return _upload_refused(request, site, refused.message, form)
    if batch.status == ImportBatch.Status.MAPPING:
        return redirect("usage:import_columns", batch.pk)
    return redirect("usage:import_batch", batch.pk)


def _upload_refused(request, site, message, form=None):
    context = {"site": site, "form": form or UploadForm(), "refused": message}
    return render(request, "usage/imports/upload.html", context)


# ---------------------------------------------------------------------------
# A report's columns
# ---------------------------------------------------------------------------


def _top_rows(located, no_header: bool) -> list[tuple[int, list[str], str]]:
    """The first rows of the file as a sheet shows them, each marked "above"
    (above the header row: skipped), "header" or "data", as wide as the widest."""
    width = located.width
    rows = []
    for number, cells in located.top:
        if no_header or number > located.header_row:
            kind = "data"
        elif number == located.header_row:
            kind = "header"
        else:
            kind = "above"
        rows.append((number, cells + [""] * (width - len(cells)), kind))
    return rows


@login_required
def import_columns(request: HttpRequest, pk: int) -> HttpResponse:
    batch, site = _batch(request, pk)
    if batch.status != ImportBatch.Status.MAPPING:
        return redirect("usage:import_batch", batch.pk)
    asked = (request.POST if request.method == "POST" else request.GET).get("header")
    try:
        located, no_header = imports.describe_columns(
            batch, no_header={"none": True, "row": False}.get(asked or "")
        )
    except FileRefused as refused:
        imports.discard_batch(batch)
        messages.error(request, refused.message)
        return redirect("usage:offline_sheets", site.pk)
    remembered = imports.remembered_columns(site)
    if no_header:
        initial_mapping = imports.guessed_mapping(located.samples)
    else:
        initial_mapping = Mapping.from_json(batch.mapping or {})
    options = {
        "headers": located.headers,
        "samples": located.samples,
        "width": located.width,
        "header_row": batch.header_row,
        "no_header": no_header,
        "site": site,
        "remembered": imports.described_columns(remembered),
    }
    if request.method == "POST" and "show" in request.POST:
        # "Show the columns" after choosing where the headers are: the
        # choices so far, with the columns named anew; nothing is read yet.
        chosen = {name: request.POST.get(name, "") for name in (*FIELDS, "remember")}
        form = ColumnsForm(initial={**chosen, "header": "none" if no_header else "row"}, **options)
    else:
        form = ColumnsForm(
            request.POST if request.method == "POST" else None,
            initial_mapping=initial_mapping,
            **options,
        )
    if request.method == "POST" and "show" not in request.POST and form.is_valid():
        try:
            imports.apply_columns(
                batch=batch,
                site=site,
                user=request.user,
                mapping=form.mapping(),
                remember=form.cleaned_data.get("remember", False),
                no_header=no_header,
            )
        except FileRefused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("usage:import_batch", batch.pk)
    context = {
        "site": site,
        "batch": batch,
        "form": form,
        "located": located,
        "no_header": no_header,
        "top_rows": _top_rows(located, no_header),
        "letters": [get_column_letter(i + 1) for i in range(located.width)],
    }
    return render(request, "usage/imports/columns.html", context)


# ---------------------------------------------------------------------------
# Typing in a paper form
# ---------------------------------------------------------------------------


def _entry_initial(request: HttpRequest, site: Site) -> tuple[list[dict], ImportBatch | None]:
    """The rows of an earlier typed-in batch, to correct them."""
    replaces = None
    pk = request.GET.get("batch")
    if pk and pk.isdigit():
        batch = ImportBatch.objects.filter(
            pk=pk,
            site=site,
            file_format=ImportBatch.Format.ENTRY,
            status=ImportBatch.Status.PREVIEW,
        ).first()
        if batch is not None:
            replaces = batch
    if replaces is None:
        return [], None
    initial = []
    for row in replaces.rows:
        day = row["date"] and datetime.date.fromisoformat(row["date"])
        offering = row["shown"]["offering"]
        if row["offering_id"] and not offering:
            offering = offering_code(row["offering_id"])
        initial.append(
            {
                "date": f"{day.day}.{day.month}.{day.year}" if day else row["shown"]["date"],
                "offering": offering,
                "card_id": row["shown"]["card_id"],
                "children": row["shown"]["children"],
            }
        )
    return initial, replaces


@login_required
def import_entry(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site(request, site_id)
    initial, replaces = _entry_initial(request, site)
    formset = EntryFormSet(request.POST or None, initial=initial or None, prefix="rows")
    if request.method == "POST" and formset.is_valid():
        entries = [form.cleaned_data for form in formset.forms if form.cleaned_data]
        batch = imports.start_entry(site=site, user=request.user, entries=entries)
        if not batch.rows:
            batch.delete()
            messages.error(request, _("Type at least one row."))
            return redirect("usage:import_entry", site.pk)
        old = request.POST.get("replaces", "")
        if old.isdigit():
            ImportBatch.objects.filter(
                pk=old, site=site, status=ImportBatch.Status.PREVIEW
            ).delete()
        return redirect("usage:import_batch", batch.pk)
    today = timezone.localdate()
    recent = offerings_in_period(site, today - datetime.timedelta(days=90), today)
    context = {
        "site": site,
        "formset": formset,
        "replaces": replaces,
        "codes": [(offering_code(o), str(o)) for o in recent],
        "columns": {c.field: c.header for c in table_columns()},
        "entry_rows": ENTRY_ROWS,
        "max_rows": ENTRY_MAX_ROWS,
    }
    return render(request, "usage/imports/entry.html", context)


# ---------------------------------------------------------------------------
# Preview, confirmation, the result
# ---------------------------------------------------------------------------

SHOW_FILTERS = {
    "all": None,
    "refused": (Outcome.REFUSED,),
    "already": (Outcome.ALREADY,),
    "over_cap": (Outcome.OVER_CAP,),
    "skipped": (Outcome.SKIPPED,),
}


def _display_rows(batch: ImportBatch, rows_and_outcomes, labels) -> list[dict]:
    offerings = Offering.objects.in_bulk(
        {row["offering_id"] for row, _o in rows_and_outcomes if row["offering_id"]}
    )
    channels = dict(ImportBatch._meta.get_field("channel").choices)
    shown = []
    for row, outcome in rows_and_outcomes:
        offering = offerings.get(row["offering_id"]) if row["offering_id"] else None
        reasons = [
            (labels.get(problem.get("column"), ""), imports.problem_message(problem))
            for problem in outcome.get("problems", [])
        ]
        if outcome["status"] == Outcome.SKIPPED:
            reasons = [("", imports.skip_message(outcome.get("reason", ""), batch.header_row))]
        note = ""
        if outcome["status"] == Outcome.ALREADY:
            if "same_file_row" in outcome:
                note = _("Repeats row %(row)s of this file.") % {"row": outcome["same_file_row"]}
            elif "channel" in outcome:
                note = _("Recorded earlier (%(channel)s, %(day)s).") % {
                    "channel": channels.get(outcome["channel"], outcome["channel"]),
                    "day": date_format(
                        datetime.date.fromisoformat(outcome["recorded_on"]), "SHORT_DATE_FORMAT"
                    ),
                }
        day = datetime.date.fromisoformat(row["date"]) if row["date"] else None
        shown.append(
            {
                "n": row["n"],
                "day": day,
                "date_text": row["shown"]["date"],
                "offering": str(offering) if offering else row["shown"]["offering"],
                "card_id": row["shown"]["card_id"],
                "children": row["children"] if row["children"] is not None else "",
                "children_text": row["shown"]["children"],
                "status": outcome["status"],
                "reasons": reasons,
                "note": note,
            }
        )
    return shown


def _notices(batch: ImportBatch) -> list[str]:
    texts = []
    for notice in batch.notices:
        code = notice.get("code")
        if code == "notes_ignored":
            texts.append(
                _(
                    "The column “%(header)s” is for the venue's own notes: it was not read, "
                    "and nothing of it is saved."
                )
                % {"header": notice["header"]}
            )
        elif code == "columns_ignored":
            texts.append(
                _("These columns were not read: %(headers)s.")
                % {"headers": ", ".join(imports.quoted(h) for h in notice["headers"])}
            )
        elif code == "sheets_ignored":
            texts.append(
                _("These sheets were not read: %(sheets)s.")
                % {"sheets": ", ".join(imports.quoted(s) for s in notice["sheets"])}
            )
        elif code == "merged_filled":
            texts.append(
                _(
                    "Merged cells (%(cells)s) were read as if their value was written on "
                    "each of their rows."
                )
                % {"cells": ", ".join(notice["cells"])}
            )
        elif code == "no_header":
            texts.append(
                _(
                    "The file was read as having no header row: its first row was read as a "
                    "use, and its columns are called A, B, C and so on."
                )
            )
        elif code == "mapping_remembered":
            texts.append(
                _(
                    "The columns were read as they were chosen for this site's earlier "
                    "report. If they are wrong, discard this and upload the file again "
                    "with “Let me choose the columns myself”."
                )
            )
    return texts


def _remembering(batch: ImportBatch, site: Site) -> dict | None:
    """What confirming a report read through chosen columns does to the
    columns remembered for the site, for the preview to say."""
    mapping = Mapping.from_json(batch.mapping or {})
    if mapping.origin != "chosen" or batch.file_format == ImportBatch.Format.ENTRY:
        return None
    if batch.is_confirmed and not mapping.remember:
        return None  # said before the confirmation; what is remembered now may be newer
    remembered = imports.remembered_columns(site)
    return {
        "will": imports.described_columns(mapping.remember or {}),
        "now": imports.described_columns(remembered),
        "changes": bool(mapping.remember) and remembered != mapping.remember,
        # Said whether or not "remember" was ticked: without JavaScript the
        # box stays on the page when the header choice changes to "none".
        "headerless": batch.header_row == 0,
    }


def _read_from(batch: ImportBatch) -> list[tuple[str, str]]:
    """For a report read through chosen columns: our column ← the file's."""
    mapping = Mapping.from_json(batch.mapping or {})
    if mapping.origin not in ("chosen", "remembered"):
        return []
    names = {c.field: c.header for c in table_columns()}
    read = []
    for f, i in mapping.columns.items():
        if f not in names:
            continue
        if batch.header_row == 0:
            read.append((names[f], _("column %(letter)s") % {"letter": get_column_letter(i + 1)}))
        elif i < len(batch.headers):
            read.append((names[f], imports.quoted(batch.headers[i])))
    if mapping.offering_id:
        offering = Offering.objects.filter(pk=mapping.offering_id).first()
        read.append((names["offering"], str(offering) if offering else "–"))
    return read


@login_required
@require_GET
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch, site = _batch(request, pk)
    if batch.status == ImportBatch.Status.MAPPING:
        return redirect("usage:import_columns", batch.pk)
    show = request.GET.get("show", "all")
    wanted = SHOW_FILTERS.get(show)
    pairs = [
        (row, outcome)
        for row, outcome in zip(batch.rows, batch.outcomes, strict=False)
        if wanted is None or outcome["status"] in wanted
    ]
    page = Paginator(pairs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    labels = imports.column_labels(batch)
    counts = batch.counts or {}
    context = {
        "site": site,
        "batch": batch,
        "confirmed": batch.is_confirmed,
        "counts": counts,
        "to_record": counts.get(Outcome.RECORDED, 0) + counts.get(Outcome.OVER_CAP, 0),
        "rows": _display_rows(batch, list(page.object_list), labels),
        "page": page,
        "show": show,
        "filters": [
            ("all", _("All rows"), counts.get("total", 0)),
            ("refused", _("Not recorded"), counts.get(Outcome.REFUSED, 0)),
            ("already", _("Already in the register"), counts.get(Outcome.ALREADY, 0)),
            ("over_cap", _("Over the cap"), counts.get(Outcome.OVER_CAP, 0)),
            *(
                [("skipped", _("Skipped"), counts[Outcome.SKIPPED])]
                if counts.get(Outcome.SKIPPED)
                else []
            ),
        ],
        "notices": _notices(batch),
        "read_from": _read_from(batch),
        "remembering": _remembering(batch, site),
        "columns": {c.field: c.header for c in table_columns()},
        "fields": FIELDS,
    }
    return render(request, "usage/imports/batch.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch, site = _batch(request, pk)
    if batch.status == ImportBatch.Status.MAPPING:
        return redirect("usage:import_columns", batch.pk)
    was_confirmed = batch.is_confirmed
    batch = imports.confirm_batch(batch=batch, site=site, user=request.user)
    # Recorded: should the database go away before this answer is sent (it
    # saves the session), the outage page says so (kaikukanta.errors).
    errors.explain(request, str(imports.CONFIRM_RECORDED))
    if not was_confirmed:
        counts = batch.counts
        recorded = counts.get(Outcome.RECORDED, 0) + counts.get(Outcome.OVER_CAP, 0)
        figures = {
            "recorded": recorded,
            "already": counts.get(Outcome.ALREADY, 0),
            "refused": counts.get(Outcome.REFUSED, 0),
        }
        messages.success(
            request,
            _(
                "Recorded: %(recorded)s. Already in the register: %(already)s. "
                "Not recorded: %(refused)s."
            )
            % figures,
        )
    return redirect("usage:import_batch", batch.pk)


@login_required
@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    batch, site = _batch(request, pk)
    if batch.is_confirmed:
        messages.error(request, _("A confirmed import cannot be discarded: void its uses instead."))
        return redirect("usage:import_batch", batch.pk)
    imports.discard_batch(batch)
    messages.success(request, _("The import was discarded. Nothing of it was recorded."))
    return redirect(reverse("usage:offline_sheets", args=[site.pk]))
