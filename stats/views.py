"""The report pages under /admin/: views added to our admin site, in its look.

Thin: who may see what comes from `access.report_scope` (404 outside it), the
figures from `stats.queries`, the renderings from `stats.exports`."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import path, re_path, reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kaikukanta import access, replica
from stats import annual, exports, public, queries
from stats.annual import AnnualReportForm
from stats.filters import FIRST_YEAR, Filters, ReportFilterForm
from stats.report import Report
from venues.models import Site, User


@dataclass(frozen=True)
class ReportLink:
    label: str
    url: str
    kind: str  # national | area | site
    annual_url: str = ""  # an area's annual feedback-meeting report


def report_links(user: User) -> list[ReportLink]:
    """The reports a user may open, most far-reaching first (for the admin
    index and the reports page)."""
    scope = access.report_scope(user)
    links = []
    if scope.national:
        links.append(ReportLink(_("Nationwide"), reverse("admin:stats_national"), "national"))
    for area in scope.areas.order_by("name"):
        links.append(
            ReportLink(
                area.name,
                reverse("admin:stats_area", args=[area.pk]),
                "area",
                reverse("admin:stats_annual", args=[area.pk]),
            )
        )
    if not scope.national:  # a national admin reaches every site from the areas
        for site in scope.sites.order_by("name"):
            links.append(ReportLink(site.name, reverse("admin:stats_site", args=[site.pk]), "site"))
    return links


def report_view(admin_site) -> Callable:
    """Signed in (else to the login page), allowed in the admin, otherwise 404."""

    def decorate(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not admin_site.has_permission(request):
                raise Http404
            request.current_app = admin_site.name
            return view(request, admin_site, *args, **kwargs)

        return login_required(never_cache(wrapped))

    return decorate


def report_urls(admin_site) -> list:
    wrap = report_view(admin_site)
    fmt = r"(?P<fmt>xlsx|csv|pdf)"
    return [
        path("reports/", wrap(reports_index), name="stats_reports"),
        path("reports/national/", wrap(national), name="stats_national"),
        re_path(rf"^reports/national/export\.{fmt}$", wrap(national), name="stats_national_export"),
        path("reports/area/<int:pk>/", wrap(area), name="stats_area"),
        re_path(
            rf"^reports/area/(?P<pk>[0-9]+)/export\.{fmt}$", wrap(area), name="stats_area_export"
        ),
        path("reports/site/<int:pk>/", wrap(site), name="stats_site"),
        re_path(
            rf"^reports/site/(?P<pk>[0-9]+)/export\.{fmt}$", wrap(site), name="stats_site_export"
        ),
        path("reports/area/<int:pk>/annual/", wrap(annual_page), name="stats_annual"),
        path("reports/area/<int:pk>/annual.pdf", wrap(annual_pdf), name="stats_annual_pdf"),
        re_path(
            r"^reports/site/(?P<pk>[0-9]+)/uses\.(?P<fmt>xlsx|csv)$",
            wrap(site_uses),
            name="stats_site_uses",
        ),
    ]


def _context(request, admin_site, **extra) -> dict:
    return {**admin_site.each_context(request), **extra}


def reports_index(request: HttpRequest, admin_site) -> HttpResponse:
    links = report_links(request.user)
    if not links:
        raise Http404
    return render(
        request,
        "stats/reports.html",
        _context(request, admin_site, title=_("Reports"), report_links=links),
    )


def _filters(request: HttpRequest, sites) -> tuple[ReportFilterForm, Filters]:
    """The filter form, bound to the query string, the current year by default
    (so the form shows what the figures cover)."""
    data = request.GET.copy()
    data.setdefault("period", "year")
    data.setdefault("year", str(timezone.localdate().year))
    form = ReportFilterForm(data, sites=sites)
    return form, form.filters()


def _downloads(report: Report, links: dict, query: str) -> tuple[list, str]:
    """(label, url) of each download of the report, and the CSV's url."""

    def url(name: str, fmt: str, extra: str = query) -> str:
        kwargs = {"fmt": fmt, **({"pk": links["pk"]} if "pk" in links else {})}
        return reverse(name, kwargs=kwargs) + (f"?{extra}" if extra else "")

    csv_url = url(links["export"], "csv", "")
    downloads = [
        (_("Excel workbook (.xlsx)"), url(links["export"], "xlsx")),
        (_("CSV, semicolon-separated"), url(links["export"], "csv")),
        (_("PDF report"), url(links["export"], "pdf")),
    ]
    year = report.filters.period.start.year
    if links.get("annual"):
        downloads.append(
            (
                _("Annual report %(year)d for the feedback meeting (PDF)") % {"year": year},
                reverse("admin:stats_annual", args=[links["pk"]]) + f"?year={year}",
            )
        )
    if links.get("uses"):
        period = (
            f"period=custom&start={report.filters.period.start}&end={report.filters.period.end}"
        )
        downloads += [
            (_("The period's uses one by one (.xlsx)"), url(links["uses"], "xlsx", period)),
            (_("The period's uses one by one (CSV)"), url(links["uses"], "csv", period)),
        ]
    return downloads, csv_url


def _respond(request, admin_site, report: Report, form, fmt: str | None, links: dict):
    if fmt is None:
        query = request.GET.urlencode()
        downloads, csv_url = _downloads(report, links, query)
        return render(
            request,
            "stats/report.html",
            _context(
                request,
                admin_site,
                title=report.title,
                report=report,
                form=form,
                query=query,
                downloads=downloads,
                csv_url=csv_url,
            ),
        )
    name = f"kaikukortti-{slugify(report.place_name) or report.level}-{report.filters.period.slug}"
    if fmt == "xlsx":
        response = HttpResponse(exports.report_xlsx(report), content_type=exports.XLSX_TYPE)
    elif fmt == "csv":
        table = request.GET.get("table") or None
        try:
            body = exports.report_csv(report, table)
        except KeyError:
            raise Http404 from None
        if table:
            name += f"-{table}"
        response = HttpResponse(body, content_type=exports.CSV_TYPE)
    else:
        response = HttpResponse(
            exports.report_pdf(report, request=request), content_type=exports.PDF_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _link_rows(report: Report, table_key: str, url_name: str, allowed) -> None:
    """Link the rows of a table of sites or areas to their own reports."""
    table = report.table(table_key)
    may_open = set(allowed.filter(pk__in=table.row_keys).values_list("pk", flat=True))
    table.row_links = [
        reverse(url_name, args=[pk]) if pk in may_open else None for pk in table.row_keys
    ]


def national(request: HttpRequest, admin_site, fmt: str | None = None) -> HttpResponse:
    scope = access.report_scope(request.user)
    if not scope.national:
        raise Http404
    form, filters = _filters(request, scope.sites)
    report = replica.run(queries.national_report, filters)
    _link_rows(report, "by_area", "admin:stats_area", scope.areas)
    links = {"export": "admin:stats_national_export"}
    return _respond(request, admin_site, report, form, fmt, links)


def area(request: HttpRequest, admin_site, pk: int, fmt: str | None = None) -> HttpResponse:
    scope = access.report_scope(request.user)
    the_area = scope.area_or_404(pk)
    form, filters = _filters(request, scope.sites.filter(municipality__area=the_area))
    report = replica.run(queries.area_report, the_area, filters)
    _link_rows(report, "by_site", "admin:stats_site", scope.sites)
    links = {"export": "admin:stats_area_export", "pk": the_area.pk, "annual": True}
    return _respond(request, admin_site, report, form, fmt, links)


def annual_page(request: HttpRequest, admin_site, pk: int) -> HttpResponse:
    """The annual feedback-meeting report: the year, the copy and the language
    to make it in (the PDF comes from `annual_pdf`)."""
    the_area = access.report_scope(request.user).area_or_404(pk)
    initial = {"year": timezone.localdate().year - 1, "language": get_language()}
    if request.GET.get("year", "").isdigit():
        initial["year"] = int(request.GET["year"])
    form = AnnualReportForm(initial=initial)
    return render(
        request,
        "stats/annual.html",
        _context(
            request,
            admin_site,
            title=_("Annual report for the feedback meeting: %(area)s") % {"area": the_area.name},
            area=the_area,
            form=form,
        ),
    )


def annual_pdf(request: HttpRequest, admin_site, pk: int) -> HttpResponse:
    the_area = access.report_scope(request.user).area_or_404(pk)
    form = AnnualReportForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "stats/annual.html",
            _context(
                request,
                admin_site,
                title=_("Annual report for the feedback meeting: %(area)s")
                % {"area": the_area.name},
                area=the_area,
                form=form,
            ),
            status=400,
        )
    year, public_copy = form.cleaned_data["year"], form.cleaned_data["public"]
    with translation.override(form.cleaned_data["language"] or get_language()):
        report = replica.run(annual.annual_report, the_area, year, public_copy=public_copy)
        body = exports.annual_pdf(report, request=request)
        name = f"kaikukortti-{slugify(the_area.name) or 'area'}-{year}"
        name += f"-{slugify(_('feedback meeting'))}"
        if public_copy:
            name += f"-{slugify(_('public'))}"
    response = HttpResponse(body, content_type=exports.PDF_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def site(request: HttpRequest, admin_site, pk: int, fmt: str | None = None) -> HttpResponse:
    scope = access.report_scope(request.user)
    the_site = scope.site_or_404(pk)
    form, filters = _filters(request, None)
    report = replica.run(queries.site_report, the_site, filters, card_figures=scope.card_figures)
    links = {
        "export": "admin:stats_site_export",
        "pk": the_site.pk,
        "uses": "admin:stats_site_uses",
    }
    return _respond(request, admin_site, report, form, fmt, links)


def site_uses(request: HttpRequest, admin_site, pk: int, fmt: str) -> HttpResponse:
    """The site's uses one by one (default: this year), streamed."""
    scope = access.report_scope(request.user)
    the_site: Site = scope.site_or_404(pk)
    _form, filters = _filters(request, None)
    period = filters.period
    # Streamed after the view returns: the rows are read where `alias` says.
    with replica.reading() as alias:
        rows = queries.site_uses(the_site, period).using(alias).iterator(chunk_size=10000)
    name = f"kaikukortti-{slugify(the_site.name) or 'site'}-uses-{period.slug}.{fmt}"
    if fmt == "xlsx":
        response = FileResponse(
            exports.uses_xlsx(rows, _("Uses")),
            content_type=exports.XLSX_TYPE,
            as_attachment=True,
            filename=name,
        )
    else:
        response = StreamingHttpResponse(exports.uses_csv(rows), content_type=exports.CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------------------
# Public national figures (no login)
# ---------------------------------------------------------------------------

SUPPRESSED = ".."  # Statistics Finland's sign for a figure withheld for confidentiality


PUBLIC_CACHE_SECONDS = 300


def _public(request: HttpRequest) -> public.PublicFigures:
    """The public figures, from the shared cache for five minutes: the page is
    open to everyone, so it must not recompute them on every request (and while
    the summary is stale they come from the raw uses, which is slow)."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year is not None and not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        year = None  # no year of the figures: and no cache entry of its own
    key = f"stats:public:{year}:{get_language()}"
    figures = cache.get(key)
    if figures is None:
        figures = replica.run(public.public_figures, year)
        cache.set(key, figures, PUBLIC_CACHE_SECONDS)
    return figures


def _public_rows(figures: public.PublicFigures, rows: list[public.Row], first: str):
    """[year or label, cells…] of each row, suppressed cells as SUPPRESSED."""
    keys = [key for key, _label in figures.columns]
    return [
        [row.year if first == "year" else row.label]
        + [SUPPRESSED if row.values[key] is None else row.values[key] for key in keys]
        for row in rows
    ]


CARD_COLUMNS = ("cards_registered", "cards_used", "municipalities")


@require_GET
def public_page(request: HttpRequest) -> HttpResponse:
    figures = _public(request)
    labels = dict(figures.columns) | public.short_labels()
    ticket_keys = [key for key, _label in figures.columns if key not in CARD_COLUMNS]

    def table(rows, keys, first):
        groups = []
        if keys is not CARD_COLUMNS:
            groups = [
                (public.group_label(group), sum(1 for k in keys if k.startswith(group)))
                for group in ("holders", "children")
            ]
        return {
            "groups": groups,
            "header": [labels[key] for key in keys],
            "rows": [
                [
                    row.year if first == "year" else row.label,
                    *[row.values[key] for key in keys],
                ]
                for row in rows
            ],
        }

    areas = [*figures.areas, figures.national]
    return render(
        request,
        "stats/public.html",
        {
            "figures": figures,
            "tables": [
                (
                    "yearly-cards",
                    _("Cards in the whole network by year"),
                    _("Year"),
                    table(figures.yearly, CARD_COLUMNS, "year"),
                ),
                (
                    "yearly-tickets",
                    _("Tickets in the whole network by year and sector"),
                    _("Year"),
                    table(figures.yearly, ticket_keys, "year"),
                ),
                (
                    "area-cards",
                    _("Cards by area in %(year)d") % {"year": figures.year},
                    _("Area"),
                    table(areas, CARD_COLUMNS, "label"),
                ),
                (
                    "area-tickets",
                    _("Tickets by area and sector in %(year)d") % {"year": figures.year},
                    _("Area"),
                    table(areas, ticket_keys, "label"),
                ),
            ],
            "rule": PUBLIC_RULE,
            "suppressed": SUPPRESSED,
        },
    )


@require_GET
def public_json(request: HttpRequest) -> JsonResponse:
    figures = _public(request)

    def row(r: public.Row, **extra) -> dict:
        return {**extra, **r.values}

    return JsonResponse(
        {
            "year": figures.year,
            "years": figures.years,
            "generated_at": figures.generated_at.isoformat(),
            "columns": [{"key": key, "label": label} for key, label in figures.columns],
            "suppression": {
                "threshold": public.THRESHOLD,
                "rule": str(PUBLIC_RULE),
                "suppressed_value": None,
            },
            "national": row(figures.national),
            "areas": [row(r, area=r.label) for r in figures.areas],
            "yearly": [row(r, year=r.year) for r in figures.yearly],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def public_csv(request: HttpRequest) -> HttpResponse:
    figures = _public(request)
    header = [label for _key, label in figures.columns]
    sections = [
        (
            _("The whole network by year"),
            [_("Year"), *header],
            _public_rows(figures, figures.yearly, "year"),
        ),
        (
            _("Areas in %(year)d") % {"year": figures.year},
            [_("Area"), *header],
            _public_rows(figures, [*figures.areas, figures.national], "label"),
        ),
    ]
    response = HttpResponse(
        exports.sections_csv(sections, note=str(PUBLIC_RULE)), content_type=exports.CSV_TYPE
    )
    response["Content-Disposition"] = (
        f'attachment; filename="kaikukortti-national-figures-{figures.year}.csv"'
    )
    return response


PUBLIC_RULE = gettext_lazy(
    "Cells that count 1–4 cards or tickets are not shown (..), so that no one can be "
    "picked out. Where a total minus the shown cells would reveal a hidden cell, the "
    "next smallest cell of the same row or column is hidden too."
)
