"""One rule for what goes into a spreadsheet cell, shared by the CSV and XLSX downloads.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV/formula injection). Anything a person typed — a partnership's name, a
note, an organisation's name used as a column heading — can start that way, so every cell of
every download, header cells included, passes through :func:`spreadsheet_cell` once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# What spreadsheet programs treat as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SpreadsheetCell:
    """A value ready for a cell: a number, date or text, and whether the text would run as a
    formula if a spreadsheet read it as typed (each format neutralises that its own way)."""

    value: Any
    formula_like: bool = False


def spreadsheet_cell(value: Any) -> SpreadsheetCell:
    """``value`` as a cell: numbers and dates keep their type (a number, even a negative one,
    never runs as a formula, and quoting it would turn it into text); ``None`` is empty; a
    boolean is Yes/No; anything else is text, flagged when it starts like a formula."""
    if value is None:
        return SpreadsheetCell("")
    if isinstance(value, bool):
        return SpreadsheetCell("Yes" if value else "No")
    if isinstance(value, int | float | Decimal | datetime.date):
        return SpreadsheetCell(value)
    text = str(value)
    return SpreadsheetCell(text, formula_like=text.startswith(FORMULA_STARTS))
