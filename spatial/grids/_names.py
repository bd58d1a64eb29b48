"""Names of the grids a redraw (:mod:`spatial.grids.redraw`) makes: a grid split off another, the
new units no planned grid reaches. Where the plan numbers its grids (``C01-07``, ``香蜜社区第7网格``,
``7``) a new grid takes the community's next number in that pattern, as the grid editor's 新建网格
does (``spatial/maps/_assets/editor/editor.js``, ``newGridId``); otherwise its grid's name with
``-a``, ``-b`` ... (``东片-a``) or ``<community>-new1``. Imports only the standard library."""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["fresh", "letters", "new_grid_name", "numbered_pattern"]

# a number with words after it (香蜜社区第7网格, 网格3号); a prefix ending in "-" then a number
# (C01-07); a number alone (7, 007)
_PATTERNS = (re.compile(r"^(.*?)(\d{1,6})([^\d\-]+)$"), re.compile(r"^(.*-)(\d{1,6})()$"),
             re.compile(r"^()(\d{1,9})()$"))


def numbered_pattern(name) -> tuple[str, int, str] | None:
    """``(head, digits, tail)`` of a grid name that numbers its grid (``C01-07``: ``("C01-", 2, "")``;
    ``香蜜社区第7网格``: ``("香蜜社区第", 1, "网格")``), or None (``东片``, ``C1-new1``, ``C1-02-a``).

    Examples
    --------
    >>> numbered_pattern("C01-07"), numbered_pattern("香蜜社区第7网格"), numbered_pattern("C1-new1")
    (('C01-', 2, ''), ('香蜜社区第', 1, '网格'), None)
    """
    for pattern in _PATTERNS:
        found = pattern.match(str(name))
        if found:
            return found.group(1), len(found.group(2)), found.group(3)
    return None


def _next_in(pattern: tuple[str, int, str], used: Collection) -> str:
    """The name after the largest number ``used`` in ``pattern`` (zero-padded to its width)."""
    head, width, tail = pattern
    within = re.compile(re.escape(head) + r"(\d{1,9})" + re.escape(tail) + "$")
    top = max((int(m.group(1)) for m in map(within.match, map(str, used)) if m), default=0)
    name = f"{head}{top + 1:0{width}d}{tail}"
    while name in used:  # (a number written wider than the pattern's: 07 beside 007)
        top += 1
        name = f"{head}{top + 1:0{width}d}{tail}"
    return name


def new_grid_name(base, names: list, part: int = 0, taken: Collection = ()) -> str:
    """Name of a new grid split off grid ``base`` of a community whose grids are ``names`` (``part``:
    0 for the first part split off it, 1 for the second ...; ``taken``: every other grid name of
    the plan, which no new grid may repeat): the next number in ``base``'s pattern, else
    ``<base>-a``, ``-b`` ...

    Examples
    --------
    >>> new_grid_name("C1-02", ["C1-01", "C1-02", "C1-04"])
    'C1-05'
    >>> new_grid_name("香蜜社区第2网格", ["香蜜社区第1网格", "香蜜社区第2网格", "香蜜社区第4网格"])
    '香蜜社区第5网格'
    >>> new_grid_name("东片", ["东片", "西片"], part=1)
    '东片-b'
    """
    pattern = numbered_pattern(base)
    if pattern is None:
        return fresh(f"{base}-{letters(part)}", names)
    return _next_in(pattern, set(map(str, names)) | set(map(str, taken)))


def new_community_grid(cid, names: list, taken: Collection = ()) -> str:
    """Name of a new grid of units no planned grid of community ``cid`` reaches: the community's
    next number when all its grids (``names``) are numbered in one pattern, else
    ``<cid>-new1``, ``-new2`` ... (the plan's own ``C1-new1``, last year's: this one ``C1-new2``).

    Examples
    --------
    >>> new_community_grid("C1", ["C1-01", "C1-03"]), new_community_grid("C1", ["C1-01", "C1-new1"])
    ('C1-04', 'C1-new2')
    """
    patterns = {numbered_pattern(n) for n in names}
    if len(patterns) == 1 and None not in patterns:
        head, _, tail = patterns.pop()
        width = max(numbered_pattern(n)[1] for n in names)
        return _next_in((head, width, tail), set(map(str, names)) | set(map(str, taken)))
    k = 1
    while f"{cid}-new{k}" in names or f"{cid}-new{k}" in taken:
        k += 1
    return f"{cid}-new{k}"


def letters(p: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, 27 -> ab ... (the suffixes of a split grid's parts).

    Examples
    --------
    >>> letters(0), letters(26)
    ('a', 'aa')
    """
    out = ""
    p += 1
    while p > 0:
        p, r = divmod(p - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def fresh(name, names) -> str:
    """``name``, or ``name`` with 2, 3 ... after it, whichever ``names`` does not hold yet."""
    out, i = name, 1
    while out in names:
        i += 1
        out = f"{name}{i}"
    return out
