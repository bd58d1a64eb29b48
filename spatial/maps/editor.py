"""Grid editor (网格在线调整): one offline HTML page to redraw a grid plan by hand with live numbers.

The page shows the units coloured by grid. A planner picks a grid, then clicks or lassoes units
(mouse, pen or touch) to move them into it; households, population, units and band status of
every touched grid update at once, and a grid that splits into pieces or leaves the band is
flagged on the map and in a side list. Units of a gated estate move together; locked units never
move. A new grid (新建网格) takes the next number of the current grid's community prefix
(``C01-07`` -> ``C01-NN``; plain numbers: the largest + 1) and starts empty, so a planner can
split a grid by hand; it is an undo step, and "back to original" removes it too. A grid can be
merged into another (合并网格) or locked (锁定网格) as one undo step, and a unit or grid found by its id. Undo/redo, a change list, CSV (``unit_id,grid_id``, and ``locked`` when units are locked; UTF-8 with BOM)
and GeoJSON exports as browser downloads; working edits (new grids too) are kept in the
browser's localStorage. Read the exported CSV
back with :func:`spatial.read_plan`, or score it with ``spatial grids ... --existing plan.csv
--evaluate``.

Contiguity uses the grids engine's rule: the units' rook adjacency by shared boundary length
(:func:`spatial.grids._adjacency.rook_adjacency`, corners never count) once they are grown into
the street gaps between them (``street_gap_m``, as ``spatial grids --evaluate`` does), computed
here once and embedded; the page checks a grid by breadth-first search over its units. The page
is written by hand (no folium): folium's per-feature layers cannot restyle and recount thousands
of units on every move, and no maintained redistricting editor works offline from one file (Districtr and
DistrictBuilder need a server). Leaflet is inlined from ``spatial/maps/_assets``.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from importlib.resources import files
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._frames import lines_frame
from spatial.core.atomic import atomic_path
from spatial.core.checks import (
    Report,
    check_band,
    check_buildings,
    check_households,
    label_text,
    listed,
    marked_synthetic,
    metric_crs,
    repair_geometries,
    require_columns,
    require_crs,
    yes_no,
)
from spatial.core.errors import ColumnError, DuplicateIdError, GeometryError, OptionError
from spatial.grids._adjacency import Adjacency, shared_edges
from spatial.grids._objective import check_max_deviation
from spatial.grids._plan_meta import band_metadata
from spatial.grids._units import GATED_NAMES, estate_groups, estate_labels, placed_communities, unit_cells
from spatial.grids.workforce import (
    BUILDINGS_PER_BUILDING_LEAD,
    FULL_TIME_PER_GRID,
    HOUSEHOLDS_PER_HOUSEHOLD_LEAD,
    PART_TIME_PER_GRID,
)
from spatial.maps._editor_text import TEXT
from spatial.maps._encode import SCALE, encode_lines, encode_polygons, free_edges, shared_borders
from spatial.maps._offline import LEAFLET_CSS, LEAFLET_JS, inline_script, inline_stylesheet
from spatial.maps._style import credit_list

logger = logging.getLogger(__name__)

__all__ = ["grid_editor", "save_grid_editor", "editor_payload"]

ASSETS = files("spatial.maps") / "_assets" / "editor"
#: Fill colours of grids; neighbouring grids get different ones (greedy colouring).
PALETTE = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
           "#bc80bd", "#ccebc5", "#ffed6f", "#a6cee3", "#b2df8a", "#cab2d6"]
OSM_CREDIT = "© OpenStreetMap contributors"


def _label_column(units: pd.DataFrame, col: str | None, candidates: tuple[str, ...], what: str) -> str | None:
    if col is not None:
        require_columns(units, [col], "units")
        return col
    return next((c for c in candidates if c in units.columns), None)


def _greedy_colours(n_grids: int, gi: np.ndarray, gj: np.ndarray) -> list[str]:
    """A palette colour per grid, different from every neighbour's where the palette allows, and
    of the free ones the least used so far (so grids apart do not all share the first colours)."""
    nbrs: list[set[int]] = [set() for _ in range(n_grids)]
    for a, b in zip(gi.tolist(), gj.tolist()):
        nbrs[a].add(b)
        nbrs[b].add(a)
    colour = [-1] * n_grids
    count = [0] * len(PALETTE)
    for g in sorted(range(n_grids), key=lambda x: -len(nbrs[x])):
        used = {colour[h] for h in nbrs[g]}
        free = [c for c in range(len(PALETTE)) if c not in used]
        colour[g] = min(free, key=lambda c: count[c]) if free else g % len(PALETTE)
        count[colour[g]] += 1
    return [PALETTE[c] for c in colour]


def editor_payload(
    units: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    unit_id_col: str = "unit_id",
    grid_id_col: str = "grid_id",
    households_col: str = "households",
    population_col: str | None = "population",
    buildings_col: str | None = "buildings",
    gated_col: str | None = None,
    locked_col: str | None = None,
    community_id_col: str = "community_id",
    min_households: float = 300,
    max_households: float = 500,
    max_deviation_pct: float | None = None,
    lang: str = "zh",
    street_gap_m: float = 30.0,
    retired=(),
) -> dict:
    """The data the editor page embeds: units, grids, the units' rook adjacency and outlines.

    Parameters are those of :func:`grid_editor`. Unit ids must be unique; units with no
    ``grid_id`` are drawn grey and may be moved into a grid.
    """
    if lang not in TEXT:
        raise OptionError(f"lang must be 'zh' (Chinese) or 'en' (English), got {lang!r}")
    check_band(min_households, max_households)
    if max_deviation_pct is not None:
        max_deviation_pct = check_max_deviation(max_deviation_pct)
    require_crs(units, "units")
    if communities is not None:
        require_crs(communities, "communities")
    require_columns(units, [unit_id_col, grid_id_col], "units")
    hh = check_households(units, households_col, "units", id_col=unit_id_col).to_numpy(dtype=float)
    # each unit's buildings, for its grid's 楼栋长 as spatial grids counts them (none: a unit with households is one)
    bld = None
    if buildings_col is not None and buildings_col in units.columns:
        bld = check_buildings(units, buildings_col, "units", id_col=unit_id_col).to_numpy(dtype=float)
    if len(units) == 0:
        raise GeometryError("'units' is empty; there is nothing to edit")
    ids = units[unit_id_col]
    if ids.isna().any():
        from spatial.core._words import counted

        raise ColumnError(f"'units' has {counted(int(ids.isna().sum()), 'row')} with no '{unit_id_col}'; give every "
                          "unit an id")
    dup = ids[ids.duplicated()]
    if len(dup):
        names = ", ".join(map(str, pd.unique(dup)[:5]))
        raise DuplicateIdError(f"'units' column '{unit_id_col}' repeats {names}; give each unit its own id")
    if communities is not None and (units.geom_type == "Point").any() and community_id_col in communities.columns:
        # building points: edited as the cells the partition drew for them
        units = unit_cells(units, communities, unit_id_col=unit_id_col, community_id_col=community_id_col)
    kinds = set(units.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        bad = listed(units.loc[~units.geom_type.isin(["Polygon", "MultiPolygon"]), unit_id_col])
        raise GeometryError(f"'units' must be polygons to edit ({unit_id_col} {bad} are not); give the communities "
                            "(--communities) to edit points as the cells the grids were drawn from, or build "
                            "units first, e.g. spatial.units_from_buildings")
    report = Report()
    units = repair_geometries(units, "units", report, id_col=unit_id_col)
    crs_m = metric_crs(units)
    geoms_m = np.asarray(units.to_crs(crs_m).geometry.values, dtype=object)
    clipped = np.full(len(geoms_m), None, dtype=object)  # (units placed where they lie: clipped there once)
    if communities is not None and community_id_col not in units.columns and community_id_col in communities.columns:
        # units carrying no community (spatial grids writes the units it placed so): each placed where
        # it lies, as the drawing and --evaluate place it, so a grid's deviation is from its own
        # community's mean grid, as the grids layer gives it (not from one mean of the whole plan)
        lm = gpd.GeoDataFrame(units.drop(columns=units.geometry.name), geometry=geoms_m, crs=crs_m)
        units = units.assign(**{community_id_col: placed_communities(lm, communities, community_id_col, ids.to_numpy(),
                                                                     clipped=clipped)})
        logger.info("grid editor: units placed in the communities they lie in (no '%s' column)", community_id_col)
    adj = _neighbours(units, geoms_m, communities, crs_m, unit_id_col, community_id_col, street_gap_m, clipped)
    wgs = units.to_crs(4326)
    geoms = np.asarray(wgs.geometry.values, dtype=object)
    xmin, ymin = (int(np.floor(v * SCALE)) for v in wgs.total_bounds[:2])

    labels = units[grid_id_col]
    has_grid = labels.notna().to_numpy()
    # a plain array: pandas 3 turns a None that Series.map returns into NaN, which no grid is
    grid_str = np.array([None if pd.isna(v) else label_text(v) for v in labels], dtype=object)
    grid_ids = sorted(pd.unique(grid_str[has_grid]).tolist(), key=_natural)
    pos = {g: k for k, g in enumerate(grid_ids)}
    g_of = np.array([pos[g] if g is not None else -1 for g in grid_str], dtype=np.int64)
    cross = (g_of[adj.i] >= 0) & (g_of[adj.j] >= 0) & (g_of[adj.i] != g_of[adj.j])
    colours = _greedy_colours(len(grid_ids), g_of[adj.i][cross], g_of[adj.j][cross])

    m = adj.matrix()
    m.sort_indices()
    pop = None
    if population_col is not None and population_col in units.columns:
        pop = pd.to_numeric(units[population_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    gated = _label_column(units, gated_col, GATED_NAMES, "gated")
    group, group_ids = None, None
    if gated is not None and not pd.api.types.is_bool_dtype(units[gated]):
        # estate ids, as the grids read them: 否/0/blank are no estate, a yes/no column groups nothing
        labels, _ = estate_labels(units[gated].to_numpy())
        if labels is not None:
            # kept whole as the grids keep it: one community's units of the estate, connected (a name
            # used in two communities, or an estate cut by a street wider than the gap, moved its units
            # there too, across the community line or the street, with one click)
            in_comm = units[community_id_col].to_numpy() if community_id_col in units.columns else np.zeros(len(units))
            codes = estate_groups(labels, in_comm, adj.i, adj.j)
            if (codes >= 0).any():  # (named, so the page can say which estate a plan splits)
                first = pd.Series(np.arange(len(codes)))[codes >= 0].groupby(codes[codes >= 0]).first()
                group, group_ids = codes.tolist(), [label_text(labels[u]) for u in first.to_numpy()]
    lock = _label_column(units, locked_col, ("locked",), "locked")
    locked = None
    if lock is not None:
        lv = yes_no(units[lock])
        locked = lv.astype(int).tolist() if lv.any() else None
    comm, comm_ids = None, None
    if community_id_col in units.columns:  # each grid's deviation is from its community's mean grid
        codes, uniques = pd.factorize(units[community_id_col])
        comm, comm_ids = codes.tolist(), [str(_jsonable(v)) for v in uniques]
    # the columns that say how units are edited go out again with the GeoJSON export, so a page or
    # a redraw made from it has the same communities, estates, locks and buildings
    kept = [c for c in dict.fromkeys([community_id_col, gated, lock, buildings_col if bld is not None else None])
            if c is not None and c in units.columns]  # (and the buildings: a page from it staffs its grids alike)
    pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
    pt = np.column_stack([np.rint(pts[:, 0] * SCALE) - xmin, np.rint(pts[:, 1] * SCALE) - ymin]).astype(np.int64)

    payload = {
        "lang": lang,
        "band": [float(min_households), float(max_households)],
        "rule": max_deviation_pct,
        # grid names the plan had and has no longer: a new grid (新建网格) takes none of them
        "retired": [str(n) for n in retired],
        # each grid's staff, by the rule and numbers of the grids layer (spatial.grids.workforce.staffing)
        "staff": {"full_time": FULL_TIME_PER_GRID, "part_time": PART_TIME_PER_GRID,
                  "per_building_lead": BUILDINGS_PER_BUILDING_LEAD, "per_household_lead": HOUSEHOLDS_PER_HOUSEHOLD_LEAD},
        "scale": SCALE, "x0": xmin, "y0": ymin,
        "bounds": [round(float(v), 7) for v in wgs.total_bounds],
        "units": {
            "id": [_jsonable(v) for v in ids.tolist()],
            "grid": g_of.tolist(),
            "hh": _numbers(hh),
            "pop": _numbers(pop) if pop is not None else None,
            "bld": _numbers(bld) if bld is not None else None,
            "locked": locked,
            "lock_col": None if lock is None else str(lock),
            "group": group,
            "group_ids": group_ids,
            "comm": comm,
            "comm_ids": comm_ids,
            "geom": encode_polygons(geoms, xmin, ymin),
            "pt": pt.tolist(),
            "attrs": {str(c): _column_values(units[c]) for c in kept},
        },
        "grids": {"id": grid_ids, "color": colours},
        "adj": {"ptr": m.indptr.tolist(), "idx": m.indices.tolist()},
        "borders": shared_borders(geoms, geoms_m, adj, crs_m, xmin, ymin),
        # each unit's outline no other unit shares (the town's edge, a community line with no unit
        # across): with the borders, the current grid's whole outline
        "free": free_edges(geoms_m, crs_m, xmin, ymin),
        "communities": None,
        "roads": None,
    }
    if communities is not None:
        require_crs(communities, "communities")
        cg = communities.to_crs(4326).geometry
        cg = cg[cg.notna() & ~cg.is_empty & cg.geom_type.isin(["Polygon", "MultiPolygon"])]
        payload["communities"] = {"geom": encode_polygons(cg.to_numpy(), xmin, ymin)}
    if roads is not None:
        roads = lines_frame(roads)  # a WalkNetwork or an osmnx graph: its edges
        require_crs(roads, "roads")
        lines = shapely.get_parts(np.asarray(roads.to_crs(4326).geometry.values, dtype=object))
        lines = lines[shapely.get_type_id(lines) == 1]
        payload["roads"] = encode_lines(lines, xmin, ymin)
    key = hashlib.sha1(json.dumps([payload["units"]["id"], payload["units"]["grid"], grid_ids,
                                   payload["units"]["hh"]]).encode()).hexdigest()[:16]
    payload["key"] = key
    # the band, rule and estate column of the page, which its GeoJSON export records as a results file's
    # grids layer does: a page or an evaluation made from that export checks the same (spatial.grids.plan)
    payload["meta"] = band_metadata(min_households, max_households, max_deviation_pct,
                                    gated_col=gated if group is not None else None)
    payload["synthetic"] = marked_synthetic(units)
    if len(report):
        logger.info("grid editor: %d unit geometries repaired", len(report))
    return payload


def _neighbours(units, geoms_m, communities, crs_m, unit_id_col: str, community_id_col: str, gap_m: float,
                clipped=None):
    """The units' rook adjacency as the grids engine and ``spatial grids --evaluate`` read it: each
    unit clipped to its community and grown into the street gaps (up to ``gap_m``) between the
    units there, then neighbours sharing more than 1 m of boundary. Units that tile their
    community are neighbours as drawn; building footprints face each other across the lanes.

    The pairs the street rule found on the grown units are those (it measures them as
    :func:`spatial.grids._adjacency.rook_adjacency` does); they are measured here only when it had no need of them (one
    block) or left units out (no community). The page needs who neighbours whom and no street
    lines, road shares or edge lengths, so none are derived.
    """
    from spatial.grids.evaluate import _unit_streets

    if communities is not None and community_id_col not in communities.columns:
        communities = None
    lm = gpd.GeoDataFrame(units.drop(columns=units.geometry.name), geometry=geoms_m, crs=crs_m)
    streets = _unit_streets(lm, geoms_m, communities, community_id_col, crs_m, None, gap_m, None, unit_id_col,
                            street_lines=False, clipped=clipped)[0]
    n = len(streets.pieces)
    every = streets.pairs is not None and bool(pd.notna(streets.pieces).all()) and \
        (community_id_col not in lm.columns or bool(lm[community_id_col].notna().all()))
    a, b, _, length = streets.pairs if every else shared_edges(streets.pieces)
    return Adjacency(a, b, length, np.zeros(len(a)), n)


def _natural(text: str):
    """Sort key: digits compare as numbers (C01-2 before C01-10)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text)]


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (int, str)):
        return v
    return str(v)


def _column_values(col: pd.Series) -> list:
    """A column as JSON values: booleans, whole numbers, floats or text; null where missing."""
    if pd.api.types.is_bool_dtype(col):
        return [None if pd.isna(v) else bool(v) for v in col]
    if pd.api.types.is_integer_dtype(col):
        return [None if pd.isna(v) else int(v) for v in col]
    if pd.api.types.is_float_dtype(col):
        return [None if pd.isna(v) else float(v) for v in col]
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else _jsonable(v) for v in col]


def _numbers(a: np.ndarray) -> list:
    """Whole numbers as ints (shorter JSON), others as floats."""
    a = np.asarray(a, dtype=float)
    if np.all(np.mod(a, 1) == 0):
        return a.astype(np.int64).tolist()
    return [float(x) for x in a]


def grid_editor(
    units: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    unit_id_col: str = "unit_id",
    grid_id_col: str = "grid_id",
    households_col: str = "households",
    population_col: str | None = "population",
    buildings_col: str | None = "buildings",
    gated_col: str | None = None,
    locked_col: str | None = None,
    min_households: float = 300,
    max_households: float = 500,
    max_deviation_pct: float | None = None,
    lang: str = "zh",
    street_gap_m: float = 30.0,
    title: str | None = None,
    file_stem: str = "grid_editor",
    retired=(),
    attribution: str | None = None,
    credits: Sequence[str] | str = (),
) -> str:
    """The editor page for a plan, as one self-contained HTML text that works offline.

    Parameters
    ----------
    units : GeoDataFrame
        Unit polygons with ``unit_id_col``, ``grid_id_col`` and ``households_col`` (the ``units``
        layer of ``spatial grids``), any CRS.
    communities : GeoDataFrame, optional
        Community polygons, drawn as outlines.
    roads : GeoDataFrame, WalkNetwork or osmnx graph, optional
        Street lines drawn as context (credited ``attribution``, by default OpenStreetMap).
    population_col : str or None
        Summed per grid when present.
    buildings_col : str or None
        The units' buildings (楼栋数), summed per grid for its 楼栋长 (one per 2 buildings) next to its
        联户长 (one per 10 households), as ``spatial grids`` staffs its grids layer
        (:func:`spatial.staffing`); without the column a unit with households counts as one building,
        as there.
    gated_col : str, optional
        Units sharing a (non-boolean) label here move together; default the first of ``gated``,
        ``estate`` present.
    locked_col : str, optional
        Boolean column of units that must not move; default ``locked`` when present.
    min_households, max_households : float
        The band grids are checked against.
    max_deviation_pct : float, optional
        A rule near the mean (1-100%): a grid further than this from its community's mean grid
        (the ``community_id`` column) is flagged. Every grid shows its deviation either way.
    lang : {"zh", "en"}
        Language of the page.
    street_gap_m : float
        Units facing each other across a gap up to this wide (a street or lane between
        footprints) are neighbours, as in the grids engine and ``spatial grids --evaluate``
        (default 30 m); contiguity is checked on that adjacency.
    title : str, optional
        Heading and browser title.
    file_stem : str
        Start of the downloaded file names (``<stem>_plan.csv``, ``<stem>_plan.geojson``,
        ``<stem>_changes.csv``).
    attribution : str, optional
        The credit of ``roads`` (instead of OpenStreetMap's).
    credits : str or sequence of str, optional
        The sources of the plan's data, in the credit line after that of the roads.
    retired : sequence of str, optional
        Grid names the plan had and has no longer (merged away:
        :func:`spatial.grids.plan.names_beside` reads them beside a results file): a new grid
        (新建网格) takes none of them, nor a number below the largest in its pattern, as a redraw.

    Returns
    -------
    str
        The HTML page; write it with :func:`save_grid_editor`.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> units = demo["units"].assign(grid_id=demo["units"]["community_id"])  # any plan: one grid a community
    >>> page = spatial.grid_editor(units, demo["communities"], lang="en")
    >>> "window.spatialGridEditor" in page and "https://" not in page.split("sp-editor-data")[1]
    True
    """
    roads = lines_frame(roads)  # a WalkNetwork or an osmnx graph: its edges
    data = editor_payload(units, communities, roads=roads, unit_id_col=unit_id_col, grid_id_col=grid_id_col,
                          households_col=households_col, population_col=population_col, buildings_col=buildings_col,
                          gated_col=gated_col,
                          locked_col=locked_col, min_households=min_households, max_households=max_households,
                          max_deviation_pct=max_deviation_pct, lang=lang, street_gap_m=street_gap_m,
                          retired=retired)
    t = TEXT[lang]
    n_grids, n_units = len(data["grids"]["id"]), len(data["units"]["id"])
    title = title or t["title"]
    lo, hi = f"{min_households:g}", f"{max_households:g}"
    data["text"] = t
    data["file_stem"] = file_stem
    lines = []
    if roads is not None and (attribution is not None or roads.attrs.get("from_osm", True)):
        lines.append(attribution if attribution is not None else OSM_CREDIT)
    elif attribution:
        lines.append(attribution)
    lines += credit_list(credits)
    if lines:
        data["attribution"] = " | ".join(html.escape(a) for a in lines)
    staff = data["staff"]
    staff_note = t["staff_note"].format(b=staff["per_building_lead"], h=staff["per_household_lead"],
                                        f=staff["full_time"], p=staff["part_time"])
    if data["units"]["bld"] is None:
        staff_note += " " + t["staff_units"]
    notes = [t["band_note"].format(lo=lo, hi=hi), t["dev_note"], staff_note, t["storage_note"]]
    if max_deviation_pct is not None:
        notes.insert(2, t["rule_note"].format(p=f"{max_deviation_pct:g}"))
    if data["synthetic"]:
        notes.append(t["synthetic"])
    values = {
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "title": html.escape(title),
        "leaflet_css": inline_stylesheet(LEAFLET_CSS),
        "leaflet_js": inline_script(LEAFLET_JS),
        "editor_css": (ASSETS / "editor.css").read_text(encoding="utf-8"),
        "editor_js": (ASSETS / "editor.js").read_text(encoding="utf-8").replace("</script", "<\\/script"),
        "data": _script_json(data),
        "footnote": html.escape(" ".join(notes)),
        **{f"t_{k}": html.escape(v) for k, v in t.items()},
    }
    template = (ASSETS / "editor.html").read_text(encoding="utf-8")
    page = re.sub(r"\{(\w+)\}", lambda mt: values[mt.group(1)], template)
    logger.info("grid editor: %d units in %d grids, %.1f MB", n_units, n_grids, len(page) / 1e6)
    return page


def _script_json(data: dict) -> str:
    """Compact JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def save_grid_editor(units: gpd.GeoDataFrame, path: str | Path, communities: gpd.GeoDataFrame | None = None,
                     **options) -> Path:
    """Write the editor page (see :func:`grid_editor`) to ``path`` atomically; returns the path.

    The downloaded files are named after ``path`` (``<stem>_plan.csv`` ...) unless ``file_stem``
    is given.

    Examples
    --------
    >>> import os, tempfile
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> units = demo["units"].assign(grid_id=demo["units"]["community_id"])
    >>> out = os.path.join(tempfile.mkdtemp(), "grid_editor.html")
    >>> path = spatial.save_grid_editor(units, out, demo["communities"])
    >>> path.name, path.stat().st_size > 100_000
    ('grid_editor.html', True)
    """
    path = Path(path)
    options.setdefault("file_stem", path.stem)
    page = grid_editor(units, communities, **options)
    with atomic_path(path) as tmp:  # a full disk or Ctrl-C never leaves half a page
        tmp.write_text(page, encoding="utf-8")
    return path
