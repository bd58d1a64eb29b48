"""Grid codes (网格编码): CJ/T 349-2010 20-digit, Beijing DB11/T 15-digit and statistical 12+3 layouts.

Every code is built from the community's 12-digit statistical division code (统计用区划代码:
province 2, city 2, county 2, town/street 3, village/community 3) and the grid's sequence number
inside its community. Grids are numbered west to east, north to south:

1. take each grid's representative point (its centroid if inside it, else its point nearest
   the centroid: :func:`anchor_points`) in the local UTM zone;
2. take the rows from the north: a row is the grids whose points are within half the median
   height (north-south extent) of the community's grids below the northernmost point left;
3. number row by row from north to south, and inside a row from west to east (by easting;
   ties by ``grid_id``).

See ``docs/grid-codes.md`` for the layouts with worked examples. Written here because no
library implements these Chinese standards.
"""

from __future__ import annotations

import logging
import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core.checks import require_columns, require_crs, require_unique, to_metric, warn_replaced
from spatial.core.errors import ColumnError, InfeasibleError, SpatialError
from spatial.grids._names import numbered_pattern

logger = logging.getLogger(__name__)

__all__ = ["LAYOUTS", "assign_grid_codes", "grid_sequence", "parse_grid_code", "split_division_code"]

#: Layout name -> (total digits, digits of the grid sequence, description).
LAYOUTS: dict[str, tuple[int, int, str]] = {
    "cjt349": (20, 2, "CJ/T 349-2010: 6 object type + 6 county + 3 street + 3 community + 2 grid"),
    "db11": (15, 3, "DB11/T (Beijing): 6 district + 3 street + 3 community + 3 grid"),
    "stats12": (15, 3, "12-digit statistical division code + 3 grid"),
}

_DIGITS12 = re.compile(r"^[0-9]{12}$")  # ASCII digits: ``\d`` also matches full-width ones
_DIGITS6 = re.compile(r"^[0-9]{6}$")


def split_division_code(code: str) -> dict[str, str]:
    """Split a 12-digit statistical division code into its parts.

    Parameters
    ----------
    code : str
        12 digits: province 2, city 2, county 2, town/street 3, village/community 3.

    Returns
    -------
    dict
        ``province``, ``city``, ``county`` (6 digits, the GB/T 2260 code), ``street``
        (3 digits) and ``community`` (3 digits).
    """
    text = str(code).strip()
    if not _DIGITS12.match(text):
        raise ColumnError(f"division code {code!r} is not 12 digits; use the 12-digit 统计用区划代码")
    return {
        "province": text[0:2],
        "city": text[2:4],
        "county": text[0:6],
        "street": text[6:9],
        "community": text[9:12],
    }


def parse_grid_code(code: str, *, layout: str = "cjt349") -> dict[str, str]:
    """Split a grid code of ``layout`` back into its parts (the inverse of the code layouts).

    Returns ``object_type`` (cjt349 only), ``county``, ``street``, ``community`` and ``grid``.
    A code typed in full-width digits (a Chinese input method's ４４０３…) reads as its digits.
    """
    total, seq, _ = _layout(layout)
    text = unicodedata.normalize("NFKC", str(code)).strip()
    if not re.fullmatch(rf"[0-9]{{{total}}}", text):
        raise ColumnError(f"grid code {code!r} is not {total} digits as layout '{layout}' requires")
    parts: dict[str, str] = {}
    if layout == "cjt349":
        parts["object_type"], text = text[:6], text[6:]
    parts.update(county=text[0:6], street=text[6:9], community=text[9:12], grid=text[12 : 12 + seq])
    return parts


def assign_grid_codes(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    layout: str = "cjt349",
    object_type: str = "000000",
    grid_id_col: str = "grid_id",
    community_id_col: str = "community_id",
    community_code_col: str = "code",
    kept_seq=None,
) -> gpd.GeoDataFrame:
    """Number the grids of each community and give each a national-style grid code.

    Parameters
    ----------
    grids : GeoDataFrame
        Grid polygons with ``grid_id_col`` and ``community_id_col``; any CRS (it must have one).
    communities : GeoDataFrame
        Communities with ``community_id_col`` and ``community_code_col`` holding the 12-digit
        statistical division code.
    layout : {"cjt349", "db11", "stats12"}
        ``cjt349``: 20 digits = ``object_type`` (6) + county (6) + street (3) + community (3) +
        grid (2), and "00" for a community with a single, undivided grid. ``db11``: 15 digits =
        district (6) + street (3) + community (3) + grid (3). ``stats12``: the 12-digit code +
        grid (3). Derived from the statistical code, ``db11`` and ``stats12`` give the same
        digits; they are kept apart so that the layout is named in the output.
    object_type : str
        Six-digit object-type prefix of ``cjt349`` (ignored by the other layouts).
    kept_seq : mapping, optional
        ``grid_id -> sequence number`` the grids had before (an old plan's ``grid_seq``): a grid
        keeps its number, and so its code, where that number is its community's only one and fits
        the layout; the others are numbered as :func:`grid_sequence` says. A redraw passes the
        old plan's, so that grids named otherwise than ``<community_id>-NN`` (北1, 幸福里网格)
        keep their codes too.

    Returns
    -------
    GeoDataFrame
        ``grids`` with its index and columns, plus ``grid_seq`` (int, 1 = north-west; 0 for an
        undivided community under ``cjt349``) and ``grid_code`` (str).

    Raises
    ------
    ColumnError
        A column is missing, a community code is not 12 digits or is another community's too,
        or a grid's community is not in ``communities``.
    InfeasibleError
        A community has more grids than the layout's sequence digits can number.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> grids = spatial.partition_grids(demo["units"], demo["communities"]).grids
    >>> coded = spatial.assign_grid_codes(grids[["grid_id", "community_id", "geometry"]], demo["communities"])
    >>> sorted(coded.query("community_id == 'C01'")["grid_code"])[:2]
    ['00000044030400700101', '00000044030400700102']
    >>> spatial.assign_grid_codes(grids, demo["communities"], layout="db11")["grid_code"].str.len().unique()
    array([15])
    """
    total, seq_digits, _ = _layout(layout)
    check_layout(layout, object_type)
    require_crs(grids, "grids")
    require_crs(communities, "communities")
    require_columns(grids, [grid_id_col, community_id_col], "grids")
    require_columns(communities, [community_id_col, community_code_col], "communities")
    codes = _community_codes(communities, community_id_col, community_code_col)
    unknown = ~grids[community_id_col].isin(codes.index)
    if unknown.any():
        rows = ", ".join(
            f"{g} (community {c!r})"
            for g, c in zip(grids.loc[unknown, grid_id_col], grids.loc[unknown, community_id_col])
        )
        raise ColumnError(
            f"'grids' rows name communities that are not in 'communities': {rows[:300]}; "
            f"fix '{community_id_col}' or add the communities"
        )

    limit = 10**seq_digits - 1
    seq = grid_sequence(grids, grid_id_col=grid_id_col, community_id_col=community_id_col, limit=limit,
                        kept_seq=kept_seq)
    # by the column's values: an index level of that name (set_index("community_id", drop=False)) is not it
    counts = grids[grid_id_col].groupby(grids[community_id_col].to_numpy()).transform("size")
    if (counts > limit).any():
        # each community over the limit with its own count, the most grids first
        over = grids[community_id_col][counts > limit].value_counts(sort=True)
        names = ", ".join(f"{c!r} ({n})" for c, n in over.items())
        names_zh = "、".join(f"{c!r}（{n} 个）" for c, n in over.items())
        raise InfeasibleError(
            f"{'community' if len(over) == 1 else 'communities'} {names} "
            f"{'has more grids' if len(over) == 1 else 'have more grids'} than layout '{layout}' numbers "
            f"(at most {limit} per community); use a layout with 3 grid digits or merge grids",
            zh=f"社区 {names_zh} 的网格数超过编码规则 '{layout}' 每个社区最多可编的 {limit} 个；"
               "请改用网格码为3位的编码规则，或合并网格",
        )
    if layout == "cjt349":
        seq = seq.where(counts > 1, 0)

    out = grids.copy()
    out["grid_seq"] = seq.astype(int)
    # as text: a categorical id column maps to a categorical, which str + does not take
    prefix = out[community_id_col].map(codes).astype(str)
    if layout == "cjt349":
        prefix = object_type_text(object_type) + prefix
    out["grid_code"] = prefix + out["grid_seq"].map(lambda s: f"{s:0{seq_digits}d}")
    assert out["grid_code"].str.len().eq(total).all()
    warn_replaced(grids, ["grid_seq", "grid_code"], "grids", "assign_grid_codes", new=out)
    logger.info("assigned %d %s grid codes in %d communities", len(out), layout, prefix.nunique())
    return out


def grid_sequence(
    grids: gpd.GeoDataFrame, *, grid_id_col: str = "grid_id", community_id_col: str = "community_id",
    limit: int | None = None, kept_seq=None,
) -> pd.Series:
    """Sequence number (1 = north-west) of each grid inside its community, on the grids' index.

    With ``kept_seq`` (``grid_id -> number``, an old plan's ``grid_seq``) a grid keeps the number
    given for its id first, where no other grid of its community is given that number.

    A grid named ``<community_id>-NN`` keeps NN (the engine names new grids so, in this order;
    after a redraw a grid keeps its name and so its code, which other systems key on), and so does
    a grid numbered in the one pattern its community's numbered names share (``香蜜社区第4网格``
    keeps 4 where its neighbours are ``香蜜社区第1网格`` ...; ``C01-04`` in a community whose id is
    its 12-digit code). The other
    grids (new ones of a redraw, grids named otherwise) take the next numbers after the largest,
    north to south (in the local UTM zone, whatever the grids' CRS) in rows (the grids within half the community's median grid height below the
    northernmost point left), west to east inside a row, ties by grid id (see the module docstring). With ``limit`` (the largest number a code
    layout holds: 99 for ``cjt349``) no grid gets a number past it while the community has at
    most ``limit`` grids: a name past it is not kept, and new grids take the lowest free numbers
    when those after the largest would pass it.

    Examples
    --------
    >>> import shapely
    >>> cells = [shapely.box(x, y, x + 100, y + 100) for y in (100, 0) for x in (0, 100)]
    >>> grids = gpd.GeoDataFrame({"grid_id": ["C1-02", "C1-01", "a", "b"], "community_id": "C1"},
    ...                          geometry=cells, crs="EPSG:32650")
    >>> grid_sequence(grids).tolist()  # the two named keep 2 and 1; south-west, then south-east
    [2, 1, 3, 4]
    """
    try:  # the local UTM zone whatever CRS the grids come in (a Gauss-Krüger zone's north is another)
        crs = grids.estimate_utm_crs() if len(grids) else None
    except (RuntimeError, ValueError):  # no CRS, no extent: to_metric says which
        crs = None
    metric = to_metric(grids, "grids", crs)
    pts = gpd.GeoSeries(anchor_points(metric.geometry.to_numpy()), index=metric.index)
    bounds = metric.geometry.bounds
    seq = pd.Series(0, index=grids.index, dtype=int)
    communities = grids[community_id_col].to_numpy()
    given = None
    if kept_seq:
        known = {str(k).strip(): v for k, v in dict(kept_seq).items()}
        given = np.array([_seq_number(known.get(str(g).strip())) for g in grids[grid_id_col]], dtype=np.int64)
    for community in pd.unique(communities):
        at = np.flatnonzero(communities == community)
        ids = grids[grid_id_col].astype(str).to_numpy()[at]
        shared = {p[0::2] for p in map(numbered_pattern, ids) if p is not None}  # (head, tail) of 第4网格
        seq.iloc[at] = geographic_sequence(
            pts.x.to_numpy()[at], pts.y.to_numpy()[at], (bounds["maxy"] - bounds["miny"]).to_numpy()[at],
            ids, prefix=f"{community}-", limit=limit, given=None if given is None else given[at],
            pattern=shared.pop() if len(shared) == 1 else None)
    return seq


def _seq_number(value) -> int:
    """An old plan's sequence number as a whole number over 0 (0: none, blank, 0 or not whole)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return int(number) if np.isfinite(number) and number >= 1 and number == int(number) else 0


def geographic_sequence(x: np.ndarray, y: np.ndarray, height: np.ndarray, ids: np.ndarray, *,
                        prefix: str | None = None, limit: int | None = None,
                        given: np.ndarray | None = None, pattern: tuple[str, str] | None = None) -> np.ndarray:
    """Numbers 1..n of one community's grids (representative points ``x``, ``y`` and north-south
    extents ``height``, metres): with ``prefix``, ids ``<prefix>NN`` keep NN (each NN once, and
    with ``limit`` only an NN up to it); the others take the numbers after the largest, in rows
    from the north (the points within half the median height below the northernmost left), west
    to east inside a row, ties by id. Where
    the numbers after the largest would pass ``limit`` (a plan whose grids are named up to
    ``-99``), they take the lowest numbers no grid keeps instead, so every number fits the code.
    ``given`` (a number per grid, 0 for none: an old plan's) comes before the names' NN; with
    ``pattern`` (``(head, tail)``: ``("香蜜社区第", "网格")``) ids ``<head>N<tail>`` keep N after those."""
    ids = np.asarray(ids, dtype=object).astype(str)
    out = np.zeros(len(ids), dtype=np.int64)
    for kept in ([] if given is None else [np.asarray(given, dtype=np.int64).tolist()]) + (
            [] if prefix is None else [[int(i[len(prefix):]) if i.startswith(prefix) and i[len(prefix):].isascii()
                                        and i[len(prefix):].isdigit() else 0 for i in ids]]) + (
            [] if pattern is None else [[_number_in(i, *pattern) for i in ids]]):
        counts = pd.Series(kept).value_counts()
        taken = set(out[out > 0].tolist())
        free = out == 0
        out[free] = [k if k > 0 and counts[k] == 1 and k not in taken and (limit is None or k <= limit) else 0
                     for k, f in zip(kept, free) if f]
    rest = np.flatnonzero(out == 0)
    if len(rest):
        order = _reading_order(x[rest], y[rest], float(np.median(height)) or 1.0, ids[rest], rest)
        after = out.max() + np.arange(1, len(order) + 1)
        if limit is not None and len(after) and after[-1] > limit:
            free = np.setdiff1d(np.arange(1, len(ids) + 1 + out.max()), out)
            after = free[:len(order)]
        out[order] = after
    return out


def _number_in(name: str, head: str, tail: str) -> int:
    """N of a name ``<head>N<tail>`` (ASCII digits), else 0."""
    mid = name[len(head):len(name) - len(tail)]
    ok = len(name) > len(head) + len(tail) and name.startswith(head) and name.endswith(tail)
    return int(mid) if ok and mid.isascii() and mid.isdigit() else 0


def anchor_points(polys) -> np.ndarray:
    """The point each grid is read at for its number: its centroid where that lies inside it,
    else the point of the grid nearest its centroid.

    Both move as little as the coordinates do. A point on the surface (shapely's
    ``point_on_surface``, used before) is the middle of the widest east-west line across the
    polygon at its middle height; a sub-millimetre change of the coordinates (a layer saved again
    by QGIS, a round trip through a Gauss-Krüger zone) can pick another stretch of that line and
    move it by tens of metres, so the same grids were numbered otherwise (7 of 23 on two of the
    demo's communities).

    Examples
    --------
    >>> import shapely
    >>> u = shapely.union_all([shapely.box(0, 0, 30, 10), shapely.box(0, 0, 10, 30), shapely.box(20, 0, 30, 30)])
    >>> [(round(p.x, 1), round(p.y, 1)) for p in anchor_points([shapely.box(0, 0, 10, 4), u])]
    [(5.0, 2.0), (15.0, 10.0)]
    """
    import shapely

    polys = np.asarray(polys, dtype=object)
    pts = shapely.centroid(polys)
    outside = ~shapely.contains_properly(polys, pts) & ~shapely.is_empty(polys)
    if outside.any():
        pts[outside] = shapely.get_point(shapely.shortest_line(polys[outside], pts[outside]), 0)
    return pts


def _reading_order(x: np.ndarray, y: np.ndarray, h: float, ids: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``at`` in reading order: rows peeled from the north, each the grids whose points are within
    half the band height ``h`` below the northernmost point left, west to east in a row (ties by
    id)."""
    left = np.arange(len(at))
    out = []
    while len(left):
        top = float(y[left].max())
        row = left[y[left] >= top - h / 2]
        out.extend(row[np.lexsort((ids[row], x[row]))])
        left = left[y[left] < top - h / 2]
    return at[np.asarray(out, dtype=np.int64)]


def _layout(layout: str) -> tuple[int, int, str]:
    if layout not in LAYOUTS:
        raise SpatialError(f"code layout {layout!r} is not one of {', '.join(LAYOUTS)} "
                           "(cjt349: 20 digits, CJ/T 349-2010; db11: 15 digits, Beijing; stats12: 15 digits)")
    return LAYOUTS[layout]


def object_type_text(object_type) -> str:
    """CJ/T 349's object type as its code's digits: full-width digits (４４０３００, typed with a
    Chinese input method) read as the digits they are, spaces round it dropped.

    >>> object_type_text("４４０３００"), object_type_text(" 440300")
    ('440300', '440300')
    """
    return unicodedata.normalize("NFKC", str(object_type)).strip()


def check_layout(layout: str | None, object_type: str = "000000") -> None:
    """Refuse a ``code_layout`` that is not one of :data:`LAYOUTS` (None: no codes), and for
    ``cjt349`` an ``object_type`` that is not 6 digits, before any work."""
    if layout is not None:
        _layout(layout)
    if layout == "cjt349" and not _DIGITS6.match(object_type_text(object_type)):
        raise ColumnError(f"object_type {object_type!r} must be 6 digits for layout 'cjt349' (the object type "
                          "code of your local catalogue, as text: \"440300\")")


def valid_division_codes(codes: pd.Series) -> pd.Series:
    """Whether each of ``codes`` reads as a 12-digit statistical division code (full-width digits
    and a spreadsheet's ``440304001001.0`` included), on the same index."""
    return _division_text(codes).str.match(_DIGITS12)


def _division_text(raw: pd.Series) -> pd.Series:
    # full-width digits (２０３, typed with a Chinese input method) read as the digits they are
    text = raw.map(lambda v: "" if pd.isna(v) else unicodedata.normalize("NFKC", str(v)).strip())
    # integers read from spreadsheets arrive as floats: 440304001001.0
    return text.str.replace(r"^([0-9]{12})\.0$", r"\1", regex=True)


def _community_codes(communities: pd.DataFrame, id_col: str, code_col: str) -> pd.Series:
    """The 12-digit code of each community id, refusing codes that are not 12 digits."""
    raw = communities[code_col]
    text = _division_text(raw)
    bad = ~text.str.match(_DIGITS12)
    if bad.any():
        rows = ", ".join(f"{i!r}: {v!r}" for i, v in zip(communities.loc[bad, id_col], raw[bad]))
        raise ColumnError(
            f"'communities' column '{code_col}' must hold the 12-digit statistical division code "
            f"(统计用区划代码) in every row; bad rows (community: code): {rows[:300]}",
            zh=f"社区图层的 '{code_col}' 列每行都须为12位统计用区划代码；不符的行（社区：代码）：{rows[:300]}",
        )
    require_unique(communities, id_col, "communities")
    shared = text.duplicated(keep=False).to_numpy()
    if shared.any():  # their grids would get the same codes
        groups = pd.Series(communities[id_col].to_numpy()[shared]).groupby(text.to_numpy()[shared], sort=False)
        pairs = "; ".join(f"{code}: {', '.join(map(repr, ids))}" for code, ids in groups)
        raise ColumnError(
            f"'communities' column '{code_col}' gives one code to several communities, whose grids would get "
            f"the same grid codes ({pairs[:300]}); give each community its own 12-digit code",
            zh=f"社区图层的 '{code_col}' 列有多个社区同一代码，其网格编码将重复（{pairs[:300]}）；请为每个社区填写各自的12位代码",
        )
    return pd.Series(text.to_numpy(), index=communities[id_col].to_numpy())
