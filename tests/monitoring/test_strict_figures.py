"""Figures are read strictly: ASCII digits, an optional minus only where the metric allows
negatives, one decimal point only where decimals make sense, and thousands commas only between
groups of three. ``Decimal()`` and ``int()`` take far more (``1_000``, full-width and
Arabic-Indic digits, ``1e3``, ``NaN``), which is how such figures used to be stored. Text figures
lose control and bidi-override characters before they are checked and stored."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from monitoring import uploads
from monitoring.choices import MetricKind
from monitoring.forms import ReturnForm
from monitoring.selectors import return_sheet
from monitoring.validation import TEXT_MAX, clean_text, parse_value
from tests.monitoring.factories import FrameworkMetricFactory, MetricFactory
from tests.monitoring.workflow import save, started, unchanged_state


def metric(kind: str = MetricKind.COUNT, min_value: str | None = None,
           max_value: str | None = None) -> SimpleNamespace:
    """A metric as ``parse_value`` reads it (no database needed)."""
    return SimpleNamespace(kind=kind, name="Figure",
                           min_value=None if min_value is None else Decimal(min_value),
                           max_value=None if max_value is None else Decimal(max_value))


COUNT = metric()
DECIMAL = metric(MetricKind.DECIMAL)
NON_NEGATIVE_DECIMAL = metric(MetricKind.DECIMAL, min_value="0")
PERCENTAGE = metric(MetricKind.PERCENTAGE)
TEXT = metric(MetricKind.TEXT)


# -- what is accepted -----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "raw", "number"), [
    (COUNT, "0", "0"),
    (COUNT, "12", "12"),
    (COUNT, "1,000", "1000"),
    (COUNT, "1,250,000", "1250000"),
    (COUNT, "12345", "12345"),
    (COUNT, "  42 ", "42"),
    (DECIMAL, "12,345.5", "12345.5"),
    (DECIMAL, "-3.25", "-3.25"),
    (DECIMAL, "0.5", "0.5"),
    (NON_NEGATIVE_DECIMAL, "1,000.75", "1000.75"),
    (PERCENTAGE, "45.5", "45.5"),
    (PERCENTAGE, "100", "100"),
])
def test_plain_figures_are_accepted(kind, raw, number):
    assert parse_value(kind, raw) == (Decimal(number), "")


# -- what is refused, and what the message says -------------------------------------------------


@pytest.mark.parametrize(("kind", "raw", "message"), [
    # Unicode digits: Decimal("１２") == 12 and Decimal("١٢") == 12, which is the bug.
    (COUNT, "１２", "must be a whole number, like 1,250, not “１２”: type it with the digits "
                   "0 to 9"),
    (COUNT, "١٢", "type it with the digits 0 to 9"),
    (COUNT, "۱۲", "type it with the digits 0 to 9"),
    (COUNT, "१२", "type it with the digits 0 to 9"),
    (COUNT, "1_000", "must be a whole number, like 1,250, not “1_000”"),
    (COUNT, "1,0,0,0", "not “1,0,0,0”: put commas only between groups of three digits"),
    (COUNT, "10,00", "put commas only between groups of three digits"),
    (COUNT, ",100", "put commas only between groups of three digits"),
    (COUNT, "100,", "must be a whole number, like 1,250"),
    (COUNT, "0,100", "put commas only between groups of three digits"),
    (COUNT, "1,2345", "put commas only between groups of three digits"),
    (COUNT, "5%", "not “5%”: leave out the % sign"),
    (COUNT, "1 000", "must be a whole number, like 1,250, not “1 000”"),
    (COUNT, "1e3", "must be a whole number"),
    (COUNT, "1E3", "must be a whole number"),
    (COUNT, "NaN", "must be a whole number"),
    (COUNT, "Infinity", "must be a whole number"),
    (COUNT, "-Infinity", "must be a whole number"),
    (COUNT, "+5", "must be a whole number"),
    (COUNT, "12.0", "must be a whole number, like 1,250, not “12.0”"),
    (COUNT, "2.5", "must be a whole number"),
    (COUNT, "-1", "must be a whole number of 0 or more, not “-1”"),
    (COUNT, "0x10", "must be a whole number"),
    (COUNT, "two", "must be a whole number, like 1,250, not “two”"),
    (COUNT, "12\u200e", "must be a whole number"),
    (COUNT, "1\x002", "must be a whole number"),
    (DECIMAL, "1.2.3", "must be a number, like 1,250.5 or -3, not “1.2.3”"),
    (DECIMAL, ".5", "must be a number"),
    (DECIMAL, "5.", "must be a number"),
    (DECIMAL, "--5", "must be a number"),
    (DECIMAL, "5-", "must be a number"),
    (DECIMAL, "1,000,00.5", "put commas only between groups of three digits"),
    (DECIMAL, "12,5", "put commas only between groups of three digits"),
    (NON_NEGATIVE_DECIMAL, "-2", "must be a number of 0 or more, like 1,250.5, not “-2”"),
    (PERCENTAGE, "5%", "must be a percentage between 0 and 100, like 45.5, not “5%”: leave out "
                       "the % sign"),
    (PERCENTAGE, "-5", "must be a percentage between 0 and 100, not “-5”"),
    (PERCENTAGE, "100.5", "must be a percentage between 0 and 100, not “100.5”"),
    (PERCENTAGE, "４５", "type it with the digits 0 to 9"),
])
def test_other_spellings_are_refused_with_a_message_that_says_what_to_type(kind, raw, message):
    with pytest.raises(ValueError, match="^must|^has") as caught:
        parse_value(kind, raw)
    assert message in str(caught.value)


def test_a_long_refused_figure_is_shortened_and_cleaned_in_the_message():
    with pytest.raises(ValueError) as caught:
        parse_value(COUNT, "\u202e" + "9" * 200)
    text = str(caught.value)
    assert "\u202e" not in text and "9" * 30 + "…”" in text and len(text) < 120


def test_too_many_digits_are_still_refused():
    with pytest.raises(ValueError, match="too many digits"):
        parse_value(DECIMAL, "1.23456")
    with pytest.raises(ValueError, match="too many digits"):
        parse_value(COUNT, "100,000,000,000,000")


def test_yes_no_takes_words_not_look_alike_digits():
    yes_no = metric(MetricKind.YES_NO)
    assert parse_value(yes_no, "Yes") == (Decimal(1), "")
    assert parse_value(yes_no, "0") == (Decimal(0), "")
    for raw in ("１", "yes\u202e", "٠"):
        with pytest.raises(ValueError, match="must be yes or no"):
            parse_value(yes_no, raw)


# -- text figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "stored"), [
    ("Housing\u202e ok", "Housing ok"),                # right-to-left override
    ("\u2066abc\u2069", "abc"),                        # isolates
    ("a\u202ab\u202cc\u202dd", "abcd"),                # embedding, pop, left-to-right override
    ("\u200eleft\u200f \u061cmark", "left mark"),      # LRM, RLM, Arabic letter mark
    ("bell\x07 and null\x00", "bell and null"),        # C0 controls
    ("c1\x85line\x9bcsi", "c1 linecsi"),               # C1: NEL becomes a space, CSI goes
    ("del\x7fete", "delete"),
    ("two\nlines\tand a tab", "two lines and a tab"),  # whitespace controls become spaces
    ("  \u202e  ", ""),                                # nothing left: no figure
    ("Café – naïve ✓ عربى", "Café – naïve ✓ عربى"),    # ordinary letters are kept
])
def test_text_figures_lose_control_and_bidi_characters(raw, stored):
    assert parse_value(TEXT, raw) == (None, stored)
    assert clean_text(raw) == stored


def test_the_length_limit_counts_what_is_stored():
    padded = "x" * TEXT_MAX + "\u202e" * 50
    assert parse_value(TEXT, padded) == (None, "x" * TEXT_MAX)
    with pytest.raises(ValueError, match=f"{TEXT_MAX} characters or fewer"):
        parse_value(TEXT, "x" * (TEXT_MAX + 1))


# -- property: an accepted figure means what its plain form means -------------------------------


def plain(raw: str) -> Decimal:
    """The number a person means: the trimmed text without its thousands commas."""
    return Decimal(raw.strip().replace(",", ""))


FIGURE_ALPHABET = st.sampled_from(list("0123456789,,.-- _%e+") + [
    "１", "٣", "۵", "७", "\u200e", "\u202e", "\x00", "\t", "N", "a", "I"])
KINDS = [COUNT, DECIMAL, NON_NEGATIVE_DECIMAL, PERCENTAGE]


@settings(max_examples=400, deadline=None)
@given(raw=st.text(alphabet=FIGURE_ALPHABET, max_size=14), kind=st.sampled_from(KINDS))
@example(raw="1,0,0,0", kind=COUNT)
@example(raw="١٢", kind=COUNT)
@example(raw="1_000", kind=DECIMAL)
def test_any_accepted_string_is_the_number_its_plain_ascii_form_says(raw, kind):
    try:
        number, text = parse_value(kind, raw)
    except ValueError:
        return
    if number is None:  # nothing typed
        assert raw.strip() == "" and text == ""
        return
    stripped = raw.strip()
    assert stripped.isascii()
    assert set(stripped) <= set("0123456789,.-")
    assert number == plain(raw)
    assert stripped.count(".") <= 1


@st.composite
def typed_numbers(draw: st.DrawFn) -> tuple[str, Decimal]:
    """A number as someone might type it: with or without thousands commas, a fraction and a
    minus."""
    whole = draw(st.integers(min_value=0, max_value=10**13 - 1))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\A[0-9]{1,4}\Z")))
    minus = draw(st.booleans())
    digits = f"{whole:,}" if draw(st.booleans()) else str(whole)
    raw = ("-" if minus else "") + digits + (f".{fraction}" if fraction else "")
    return raw, Decimal(raw.replace(",", ""))


@settings(max_examples=300, deadline=None)
@given(typed=typed_numbers())
def test_every_well_formed_decimal_round_trips(typed):
    raw, meant = typed
    assert parse_value(DECIMAL, raw) == (meant, "")
    if not raw.startswith("-") and "." not in raw:
        assert parse_value(COUNT, raw) == (meant, "")


# -- every way in: the action (API), the page form and an upload --------------------------------


@pytest.mark.django_db
def test_the_action_refuses_unicode_digits_and_stores_nothing(s):
    ret = started(s)
    before = unchanged_state()
    with pytest.raises(DomainError) as caught:
        save(s, ret, starts="１２", completions="1,0,0,0")
    text = str(caught.value)
    assert "Treatment starts: must be a whole number, like 1,250, not “１２”" in text
    assert "Treatment completions: must be a whole number, like 1,250, not “1,0,0,0”" in text
    assert unchanged_state() == before


@pytest.mark.django_db
def test_the_action_stores_text_figures_cleaned(s):
    note = MetricFactory(code="note", name="Note", kind=MetricKind.TEXT, unit="")
    FrameworkMetricFactory(framework=s.partnership_fw, metric=note, required=False)
    ret = started(s)
    save(s, ret, note="All\u202e fine\x00")
    assert ret.values.get(metric=note).text == "All fine"


@pytest.mark.django_db
def test_the_form_puts_a_message_next_to_each_bad_figure(s):
    ret = started(s)
    sheet = return_sheet(ret)
    form = ReturnForm({"version": ret.version, "figure-starts": "5%",
                       "figure-completions": "1_000"}, figures=sheet.figures)
    assert not form.is_valid()
    assert form.errors["figure-starts"] == [
        "Treatment starts must be a whole number, like 1,250, not “5%”: leave out the % sign"]
    assert form.errors["figure-completions"] == [
        "Treatment completions must be a whole number, like 1,250, not “1_000”"]


@pytest.mark.django_db
def test_an_upload_with_look_alike_digits_is_refused_row_by_row(s):
    ret = started(s)
    before = unchanged_state()
    data = "metric_code,value\nstarts,١٢\ncompletions,\"1,0,0,0\"\n".encode()
    upload = SimpleUploadedFile("figures.csv", io.BytesIO(data).read(), "text/csv")
    with pytest.raises(uploads.UploadError) as caught:
        uploads.return_upload(monitoring_return=ret, uploaded_file=upload,
                              expected_version=ret.version, by=s.staff)
    messages = [row.message for row in caught.value.rows]
    assert messages == [
        "Treatment starts must be a whole number, like 1,250, not “١٢”: type it with the "
        "digits 0 to 9.",
        "Treatment completions must be a whole number, like 1,250, not “1,0,0,0”: put commas "
        "only between groups of three digits."]
    assert unchanged_state() == before
