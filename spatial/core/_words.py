"""Counts said in English: a count and its noun in the number they agree with (1 unit, 2 units),
for the messages and report rows of the commands. Imports nothing (the commands' help loads it)."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n, word: str, plural: str | None = None, *, thousands: bool = False) -> str:
    """A count and its words in the number they agree with, as English messages and report rows
    say it: 1 unit, 0 units, 2 units (``plural``: the words for any count but 1 when they are not
    ``word`` with an "s": "unit keeps its grid", "units keep their grid"; ``thousands``: 12,000).

    Examples
    --------
    >>> counted(1, "new unit"), counted(0, "unit"), counted(1, "unit keeps its grid", "units keep their grid")
    ('1 new unit', '0 units', '1 unit keeps its grid')
    >>> counted(12000, "report row", thousands=True), counted(2, "grid has", "grids have")
    ('12,000 report rows', '2 grids have')
    """
    figure = f"{n:,}" if thousands else f"{n}"
    return f"{figure} {word if n == 1 else (plural if plural is not None else word + 's')}"
