"""Compare two to four partnerships side by side, on the page and as a CSV download.

With thousands of partnerships a select list is unusable, so the form has four text inputs
(all named ``p``) that take a partnership's name, part of its name, or its slug; the server
resolves them (``selectors.partnership_lookup``) and explains anything it cannot resolve.
Links from partnership pages prefill one with ``?p=<slug>``; the search page's tick boxes send
the ticked partnerships' slugs with ``from=search``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.csv_export import csv_response
from core.display import money
from core.templatetags.govuk import govuk_date
from partnerships.models import Partnership

from ..selectors.compare import (
    ComparedPartnership,
    Comparison,
    partnership_comparison,
    partnership_lookup,
)

MIN_PARTNERSHIPS, MAX_PARTNERSHIPS = 2, 4
# The search page's compare form sends ``from=search`` with the ticked partnerships' slugs.
FROM_SEARCH = ("from", "search")
TICKED_COUNT_ERROR = (f"Select between {MIN_PARTNERSHIPS} and {MAX_PARTNERSHIPS} partnerships "
                      "to compare")
MAX_TERM_LENGTH = 200
# More boxes than this are never drawn, however many ``p`` values a hand-made URL carries.
MAX_INPUTS_SHOWN = 10
NUMBER_WORDS = {2: "two", 4: "four"}


@dataclass
class Candidate:
    partnership: Partnership
    href: str  # this comparison with the ambiguous entry replaced by this partnership


@dataclass
class CompareInput:
    """One of the text boxes: what was typed, and what went wrong with it."""

    number: int
    value: str = ""
    error: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    more_candidates: bool = False

    @property
    def id(self) -> str:
        return f"p-{self.number}"


@dataclass
class CompareRequest:
    inputs: list[CompareInput]
    errors: list[dict[str, str]]  # for the error summary: {"href", "text"}
    partnerships: list[Partnership]

    @property
    def ready(self) -> bool:
        return not self.errors and len(self.partnerships) >= MIN_PARTNERSHIPS


def _clean(value: str) -> str:
    # Control characters (a NUL upsets PostgreSQL) never belong in a name or slug.
    return "".join(ch for ch in value if ch.isprintable()).strip()


def _compare_href(terms: list[str]) -> str:
    return reverse("partnerships:compare") + "?" + urlencode([("p", t) for t in terms])


def read_compare_request(request: HttpRequest) -> CompareRequest:
    """Validate the ``p`` values and resolve them to partnerships.

    The form always sends four ``p`` values (some empty), while a link from a partnership page
    sends one; only a submitted form is told it needs at least two, so the prefilled page does
    not open with an error. Ticks from the search page (``from=search``) must number two to
    four, however many were ticked.
    """
    raw = request.GET.getlist("p")
    submitted = len(raw) > 1
    terms = [t for t in (_clean(v) for v in raw) if t]
    shown = max(MAX_PARTNERSHIPS, min(len(terms), MAX_INPUTS_SHOWN))
    inputs = [CompareInput(number=n, value=terms[n - 1] if n <= len(terms) else "")
              for n in range(1, shown + 1)]
    errors: list[dict[str, str]] = []

    def fail(box: CompareInput, message: str) -> None:
        box.error = box.error or message
        errors.append({"href": f"#{box.id}", "text": message})

    if (request.GET.get(FROM_SEARCH[0]) == FROM_SEARCH[1]
            and not MIN_PARTNERSHIPS <= len(terms) <= MAX_PARTNERSHIPS):
        # Ticked on the search page: the boxes keep the ticked ones, to be cut down or added to.
        fail(inputs[min(len(terms), MAX_PARTNERSHIPS)], TICKED_COUNT_ERROR)
        return CompareRequest(inputs=inputs, errors=errors, partnerships=[])

    if len(terms) > MAX_PARTNERSHIPS:
        fail(inputs[MAX_PARTNERSHIPS],
             f"Choose no more than {NUMBER_WORDS[MAX_PARTNERSHIPS]} partnerships to compare "
             f"(you entered {len(terms)}): clear the ones you do not need")
        return CompareRequest(inputs=inputs, errors=errors, partnerships=[])

    to_resolve = []
    for box in inputs[:len(terms)]:
        if len(box.value) > MAX_TERM_LENGTH:
            fail(box, f"Partnership {box.number} must be {MAX_TERM_LENGTH} characters or "
                      "fewer: enter its name or its short name from the web address")
        else:
            to_resolve.append(box)

    chosen: list[Partnership] = []
    lookups = partnership_lookup(user=request.user, terms=[b.value for b in to_resolve])
    for box, lookup in zip(to_resolve, lookups, strict=True):
        if lookup.match is not None:
            if lookup.match in chosen:
                fail(box, f"You entered {lookup.match.name} more than once: choose a "
                          "different partnership")
            else:
                chosen.append(lookup.match)
        elif lookup.candidates:
            box.more_candidates = lookup.more_candidates
            for candidate in lookup.candidates:
                replaced = [candidate.slug if b is box else b.value
                            for b in inputs[:len(terms)]]
                box.candidates.append(Candidate(partnership=candidate,
                                                href=_compare_href(replaced)))
            fail(box, f"More than one partnership matches “{lookup.term}”: choose one of "
                      f"those listed under partnership {box.number}")
        else:
            fail(box, f"We could not find a partnership called “{lookup.term}”: check the "
                      "spelling, or use its short name from the end of its web address")

    if submitted and len(terms) < MIN_PARTNERSHIPS:
        first_empty = inputs[len(terms)]
        fail(first_empty, f"Choose at least {NUMBER_WORDS[MIN_PARTNERSHIPS]} partnerships "
                          "to compare")
    return CompareRequest(inputs=inputs, errors=errors, partnerships=chosen)


# ---------------------------------------------------------------------------------------------
# The comparison as rows, shared by the page and the CSV so the two always agree.
# ---------------------------------------------------------------------------------------------
@dataclass
class Cell:
    text: str
    csv: object = None  # the CSV value when it differs from ``text`` (numbers stay numbers)
    secondary: str = ""  # a second line, e.g. the named contact
    tag: str = ""  # a GOV.UK tag modifier class: the text is shown as a tag
    warning: str = ""  # shown as a red tag after the text, e.g. "Review overdue"
    items: list[str] = field(default_factory=list)  # shown as a list
    numeric: bool = False  # money and counts: right-aligned, tabular figures

    @property
    def csv_value(self) -> object:
        if self.csv is not None:
            return self.csv
        if self.items:
            return "; ".join(self.items)
        return f"{self.text} ({self.secondary})" if self.secondary else self.text


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class Section:
    title: str
    caption: str
    rows: list[Row]


def _pounds(amount: Decimal, *, recorded: bool = True) -> Cell:
    """Money as people write it on the page (£1,234, or £1,234.56 with pence) and as 1234.56
    in the CSV, so spreadsheets can add it; right-aligned so amounts line up."""
    return Cell(text=money(amount) if recorded else "None recorded", csv=f"{amount:.2f}",
                numeric=True)


def _date(value: datetime.date | None, empty: str) -> Cell:
    return Cell(text=govuk_date(value) if value else empty, csv=value or empty)


def comparison_sections(comparison: Comparison) -> list[Section]:
    """The comparison as titled sections of labelled rows, one cell per partnership."""
    cols = comparison.columns

    def row(label: str, make: Callable[[ComparedPartnership], Cell]) -> Row:
        return Row(label=label, cells=[make(c) for c in cols])

    summary = Section("Summary", "Status, setting, regions and dates", [
        row("Status", lambda c: Cell(text=c.partnership.get_status_display(),
                                     tag=c.status_tag)),
        row("Setting", lambda c: Cell(text=c.partnership.get_setting_display())),
        row("Regions served", lambda c: Cell(
            text="None recorded" if not c.partnership.regions.all() else "",
            items=[r.name for r in c.partnership.regions.all()])),
        row("Started", lambda c: _date(c.partnership.started_on, "Not recorded")),
        row("Ended", lambda c: _date(c.partnership.ended_on, "Not ended")),
        row("Lead partner", lambda c: Cell(
            text=c.lead_partner.name if c.lead_partner else "No current lead partner")),
    ])
    members = Section("Members", "Current members", [
        row("Number of current members", lambda c: Cell(text=str(len(c.current_members)),
                                                        csv=len(c.current_members))),
        row("Current members", lambda c: Cell(
            text="" if c.current_members else "None",
            items=[o.name for o in c.current_members])),
    ])
    leads = Section("Lead agencies", "Who leads each standard activity now", [
        Row(label=a.name, cells=[
            Cell(text=c.leads[a.pk].organisation.name, secondary=c.leads[a.pk].contact)
            if a.pk in c.leads else Cell(text="No lead agreed") for c in cols])
        for a in comparison.activities
    ])
    services = Section("Services", "Active services, by category (a service can be in more "
                                   "than one category)", [
        row("Active services", lambda c: Cell(text=str(c.services_total),
                                              csv=c.services_total)),
        *(Row(label=cat.name, cells=[
            Cell(text=str(c.services_by_category.get(cat.pk, 0)),
                 csv=c.services_by_category.get(cat.pk, 0)) for c in cols])
          for cat in comparison.categories),
    ])
    agreements = Section("Agreements", "The state of each partnership's agreements", [
        row("Active agreements", lambda c: Cell(text=str(c.agreements_active),
                                                csv=c.agreements_active)),
        row("Active agreements overdue for review", lambda c: Cell(
            text=str(c.agreements_overdue), csv=c.agreements_overdue,
            tag="govuk-tag--red" if c.agreements_overdue else "")),
        row("Superseded versions", lambda c: Cell(text=str(c.agreements_superseded),
                                                  csv=c.agreements_superseded)),
        row("Most urgent review date", lambda c: Cell(
            text=govuk_date(c.next_review) if c.next_review else "None due",
            csv=c.next_review or "None due",
            warning="Review overdue" if c.next_review_overdue else "")),
    ])
    funding = Section("Funding", "Money from every funder, in pounds", [
        row(f"Funding in financial year {comparison.financial_year_label} (estimated)",
            lambda c: _pounds(c.funding_this_year, recorded=bool(c.funding_rows))),
        row("Funding, all periods",
            lambda c: _pounds(c.funding_all_time, recorded=bool(c.funding_rows))),
    ])
    return [summary, members, leads, services, agreements, funding]


@login_required
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """The compare page: the form, any problems with it, and the side-by-side tables."""
    state = read_compare_request(request)
    context: dict[str, object] = {"state": state, "nav_section": "compare",
                                  "sections": [], "comparison": None}
    if state.ready:
        comparison = partnership_comparison(user=request.user, partnerships=state.partnerships)
        context.update(comparison=comparison, sections=comparison_sections(comparison),
                       export_url=reverse("partnerships:compare-export") + "?"
                       + urlencode([("p", p.slug) for p in state.partnerships]))
    return render(request, "partnerships/compare.html", context)


@login_required
@require_GET
def compare_export(request: HttpRequest) -> HttpResponse:
    """The same comparison as CSV: one row per attribute, one column per partnership. When the
    query string cannot be compared, send the user to the page that explains why."""
    state = read_compare_request(request)
    if not state.ready:
        query = request.GET.urlencode()
        return HttpResponseRedirect(reverse("partnerships:compare") + (f"?{query}" if query
                                                                       else ""))
    comparison = partnership_comparison(user=request.user, partnerships=state.partnerships)
    header = ["Section", "Attribute", *(c.partnership.name for c in comparison.columns)]
    rows: list[list[object]] = [["Summary", "Short name",
                                 *(c.partnership.slug for c in comparison.columns)]]
    for section in comparison_sections(comparison):
        for r in section.rows:
            rows.append([section.title, r.label, *(cell.csv_value for cell in r.cells)])
    return csv_response(filename_stem="partnership-comparison", header=header, rows=rows)
