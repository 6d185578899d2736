"""Money as people write it, in one helper (``core.display.money``) and its template filter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.display import money


@pytest.mark.parametrize("amount,written", [
    (Decimal("120000.00"), "£120,000"),  # no ".00" on whole pounds
    (Decimal("120000.50"), "£120,000.50"),  # pence only where there are pence
    (Decimal("120000.5"), "£120,000.50"),
    (Decimal("0.05"), "£0.05"),
    (Decimal("0"), "£0"),
    (Decimal("1234567.891"), "£1,234,567.89"),
    (Decimal("999.995"), "£1,000"),  # rounded to the penny, half up
    (1500, "£1,500"),
    ("2500.10", "£2,500.10"),
    (Decimal("-75.00"), "-£75"),
    (None, ""),
])
def test_money_is_written_as_people_write_it(amount, written):
    assert money(amount) == written


def test_the_template_filter_is_the_same_helper():
    rendered = Template("{% load govuk %}{{ a|money }} {{ b|money }}").render(
        Context({"a": Decimal("120000.00"), "b": Decimal("99.90")}))
    assert rendered == "£120,000 £99.90"
