"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula is made plain text.

A scraped company name like `=HYPERLINK("http://evil.example", "Click")` or `@SUM(...)` must not
become a live formula when a person opens the export. Such a cell gets a leading apostrophe, which
spreadsheets show as text and do not evaluate.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as CSV cell text; a string that could start a formula is prefixed with `'`."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
