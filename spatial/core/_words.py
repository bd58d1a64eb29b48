"""Counts said in English: a count and its noun in the number they agree with (1 unit, 2 units),
for the messages, report rows and popups of the commands. Imports nothing (the commands' help
loads it)."""

from __future__ import annotations

__all__ = ["counted", "plural"]


def plural(n, word: str, many: str | None = None) -> str:
    """``word`` as it agrees with the count ``n``: itself for exactly one, else ``many`` (default
    ``word`` with an "s"). ``n`` may be a number or the number as written (``"1"``, ``"1,250"``).

    Examples
    --------
    >>> plural(1, "station"), plural(3, "station"), plural("1", "household"), plural(0.5, "household")
    ('station', 'stations', 'household', 'households')
    >>> plural(1, "community", "communities"), plural(2, "community", "communities")
    ('community', 'communities')
    """
    try:
        one = float(str(n).replace(",", "")) == 1
    except ValueError:
        one = False
    return word if one else (many if many is not None else word + "s")


def counted(n, word: str, many: str | None = None, *, thousands: bool = False,
            shown: str | None = None) -> str:
    """A count and its words in the number they agree with, as English messages and report rows
    say it: 1 unit, 0 units, 2 units (``many``: the words for any count but 1 when they are not
    ``word`` with an "s": "unit keeps its grid", "units keep their grid"; ``thousands``: 12,000;
    ``shown``: the number as already written, e.g. ``"1,250"``).

    Examples
    --------
    >>> counted(1, "new unit"), counted(0, "unit"), counted(1, "unit keeps its grid", "units keep their grid")
    ('1 new unit', '0 units', '1 unit keeps its grid')
    >>> counted(12000, "report row", thousands=True), counted(2, "grid has", "grids have")
    ('12,000 report rows', '2 grids have')
    >>> counted(1250, "household", shown="1,250"), counted(1, "service gap")
    ('1,250 households', '1 service gap')
    """
    figure = shown if shown is not None else (f"{n:,}" if thousands else f"{n}")
    return f"{figure} {plural(n, word, many)}"
