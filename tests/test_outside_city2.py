"""``spatial coverage`` at city scale, leaner with the same outputs: the line reader's T-junction
search a slice of segment pairs at a time, its foot and bridge tags read once a distinct value,
the QGIS styles' geometry kinds read by type id, and a column of text ids taken as its labels.

The references are built here by brute force on tiny inputs: every vertex against every segment
and every pair of segments with shapely's own distances and intersections.
"""

from __future__ import annotations

import itertools
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon

from spatial.maps import _gis_styles
from spatial.network import _junctions
from spatial.network._junctions import join_t_junctions

TOL = 0.1


def brute_force(parts: np.ndarray, tol: float) -> tuple[set, int]:
    """``(joined, crossings)``: the vertices (as coordinates) lying within ``tol`` of another
    segment farther than ``tol`` from both its ends, their foot inside it; and the places two
    segments cross (a single point) farther than ``tol`` from all four ends and from every joined
    vertex."""
    segs = [LineString(pq) for line in parts for pq in zip(line.coords[:-1], line.coords[1:])]
    verts = {c for line in parts for c in line.coords}
    joined = set()
    for c in verts:
        p = Point(c)
        for s in segs:
            ends = [Point(e) for e in s.coords]
            if (p.distance(s) <= tol and all(p.distance(e) > tol for e in ends)
                    and 0 < s.line_locate_point(p, normalized=True) < 1):
                joined.add(c)
    crossings = 0
    for s, t in itertools.combinations(segs, 2):
        x = s.intersection(t)
        if x.geom_type != "Point":
            continue
        ends = [Point(e) for e in (*s.coords, *t.coords)]
        if all(x.distance(e) > tol for e in ends) and all(x.distance(Point(c)) > tol for c in joined):
            crossings += 1
    return joined, crossings


def streets() -> np.ndarray:
    """A '#' of four 200 m streets crossing with no vertex at the four crossings, a side street
    ending on the middle of the bottom street's segment (a T-junction), one ending 5 cm beside
    the top street, one starting on the left street between its vertices, and one sharing the
    bottom street's end vertex (nothing to join)."""
    return np.array([
        LineString([(0, 50), (200, 50)]), LineString([(0, 150), (200, 150)]),
        LineString([(50, 0), (50, 200)]), LineString([(150, 0), (150, 200)]),
        LineString([(100, -80), (100, 0.0), (100, 30)]),  # its middle vertex (100, 0) lies on nothing
        LineString([(100, 120), (100, 50)]),  # ends on the bottom street between (50, 50) and (150, 50)
        LineString([(100, 150.05), (100, 180)]),  # ends 5 cm above the top street
        LineString([(50, 100), (-40, 100)]),  # starts on the left street between its two vertices
        LineString([(0, 50), (-30, 20)]),  # shares the bottom street's end vertex
    ], dtype=object)


@pytest.mark.parametrize("pairs_a_slice", [1, 3, 2_000_000])
def test_t_junctions_a_slice_of_pairs_at_a_time_are_the_brute_forces(monkeypatch, pairs_a_slice):
    parts = streets()
    want_joined, want_crossings = brute_force(parts, TOL)
    # known answers: (100, 50) on the bottom street, (100, 150.05) beside the top one, (50, 100)
    # on the left one; the '#' crosses at 4 places, the side street (100, 120)-(100, 50) crosses
    # nothing, the one from (100, 150.05) is joined, not crossed
    assert want_joined == {(100.0, 50.0), (100.0, 150.05), (50.0, 100.0)} and want_crossings == 4
    monkeypatch.setattr(_junctions, "_PAIRS_A_SLICE", pairs_a_slice)
    out, joined, crossings, apart = join_t_junctions(parts, TOL, np.zeros(len(parts)))
    assert (joined, crossings, apart) == (3, 4, 0)
    # each vertex added to the line it lay on, at its own position
    assert [list(out[k].coords) for k in (0, 1, 2)] == [[(0, 50), (100, 50), (200, 50)],
                                                        [(0, 150), (100, 150.05), (200, 150)],
                                                        [(50, 0), (50, 100), (50, 200)]]
    assert [len(o.coords) - len(p.coords) for o, p in zip(out, parts)] == [1, 1, 1, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("seed", [0, 3])
def test_random_layers_sliced_or_whole_agree_with_the_brute_force(monkeypatch, seed):
    """Bent lines, half of their ends put on another line (on it, 5 cm off, on a vertex of it)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 300, (40, 2))
    lines = [np.array([a[k], a[k] + rng.normal(0, 60, 2), a[k] + rng.normal(0, 90, 2)]) for k in range(40)]
    for k in range(20):
        o = int(rng.integers(40))
        if o != k:
            f = rng.uniform(0.1, 0.9)
            end = lines[o][0] + f * (lines[o][1] - lines[o][0])
            lines[k][-1] = end + (rng.normal(0, 0.05, 2) if k % 3 == 0 else 0) if k % 5 else lines[o][1]
    parts = np.array([LineString(c) for c in lines], dtype=object)
    want_joined, want_crossings = brute_force(parts, TOL)
    got = []
    for size in (2, 2_000_000):
        monkeypatch.setattr(_junctions, "_PAIRS_A_SLICE", size)
        out, joined, crossings, apart = join_t_junctions(parts, TOL)
        got.append((joined, crossings, apart, [list(o.coords) for o in out]))
    assert got[0] == got[1]
    joined, crossings, apart, coords = got[0]
    assert joined == len(want_joined) > 0 and crossings == want_crossings > 0 and apart == 0
    for c in want_joined:  # each joined vertex is now on the line it lay on, at its own position
        assert sum(c in line for line in coords) >= 2


def test_the_search_holds_one_slice_of_pairs_at_a_time(monkeypatch):
    """A 40 x 40 street lattice has 12,000 pairs of segments whose boxes meet; with slices of 500
    pairs the search's arrays stay a fraction of the pairs' (it held a dozen arrays of all the
    pairs at once: 3.1 GB on a 1M-node city)."""
    xs = np.arange(40) * 50.0
    parts = np.array([LineString([(x, y), (x + 50, y)]) for x in xs[:-1] for y in xs]
                     + [LineString([(x, y), (x, y + 50)]) for x in xs for y in xs[:-1]], dtype=object)
    peaks = {}
    for size in (500, 10_000_000):
        monkeypatch.setattr(_junctions, "_PAIRS_A_SLICE", size)
        join_t_junctions(parts, TOL)  # (warm: imports and caches outside the measure)
        tracemalloc.start()
        out, joined, crossings, apart = join_t_junctions(parts, TOL)
        peaks[size] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert (joined, crossings, apart) == (0, 0, 0)
    assert peaks[500] < 0.6 * peaks[10_000_000]


LAYERS = {
    "points and none": ([Point(0, 0), None, MultiPoint([(1, 1), (2, 2)])], ("marker", "0")),
    "lines": ([LineString([(0, 0), (1, 1)]), MultiLineString([[(0, 0), (1, 0)]]), None], ("line", "1")),
    "mixed": ([Point(0, 0), Polygon([(0, 0), (1, 0), (1, 1)])], ("fill", "2")),
    "empty polygon": ([Polygon(), None], ("fill", "2")),
    "empty point": ([Point(), Point(3, 3)], ("marker", "0")),
}


@pytest.mark.parametrize("case", list(LAYERS))
def test_qgis_symbol_kind_by_type_id_is_the_kind_by_type_name(case):
    geoms, want = LAYERS[case]
    gdf = gpd.GeoDataFrame({"k": range(len(geoms))}, geometry=geoms, crs=32650)
    names = set(gdf.geometry.dropna().geom_type)  # the reference: the names geopandas gives
    by_name = ("marker", "0") if names and all("Point" in t for t in names) else \
        ("line", "1") if names and all("LineString" in t for t in names) else ("fill", "2")
    assert _gis_styles._kind(gdf, "gaps") == by_name == want


def test_a_layer_of_no_geometry_is_of_points_when_stations():
    gdf = gpd.GeoDataFrame({"k": [1]}, geometry=[None], crs=32650)
    assert _gis_styles._kind(gdf, "stations") == ("marker", "0")
    assert _gis_styles._kind(gdf, "gaps") == ("fill", "2")
    assert _gis_styles._kind(gdf.iloc[:0], "sites") == ("marker", "0")


def row_by_row_hits(values, wanted):
    """The reference: each value's first wanted part, one value at a time."""
    out = []
    for v in values:
        parts = {p.strip() for p in v.split(";")} if ";" in v else ({v} if v in wanted else set())
        out.append(min(parts & wanted) if parts & wanted else "")
    return out


def test_tags_read_once_a_distinct_value_are_those_read_row_by_row():
    from spatial.network._walkfilter import _hits, off_ground_kind, per_value, walk_tagged

    values = np.array(["yes", "", "no;yes", "designated", "yes", "", "no", "private;designated;yes", "no;no"] * 3,
                      dtype=object)
    assert _hits(values, {"yes", "designated"}).tolist() == row_by_row_hits(values, {"yes", "designated"})
    assert per_value(values, lambda u: [len(v) for v in u]).tolist() == [len(v) for v in values]
    assert per_value(np.array([], dtype=object), lambda u: [len(v) for v in u]).tolist() == []
    tags = pd.DataFrame({"foot": ["", "yes", "no;designated", None, ""], "sidewalk": ["both", "", "", "no", "separate"],
                             "bridge": ["yes;no", "", "boardwalk", "T", ""], "tunnel": ["", "no;yes", "", "", "yes"]})
    assert walk_tagged(tags).tolist() == [True, True, True, False, False]
    # a layer with no foot or sidewalk column (a road layer drawn in a GIS): no line is tagged so
    assert walk_tagged(tags[["bridge"]]).tolist() == [False] * 5
    assert walk_tagged(tags[["sidewalk"]]).tolist() == [True, False, False, False, False]
    assert walk_tagged(tags.iloc[:0]).tolist() == []
    # bridge merged 1+4; tunnel merged 2+4; boardwalk 8; Geofabrik's T 1; a tunnel 2
    assert off_ground_kind(tags).tolist() == [5, 6, 8, 1, 2]


def test_ids_as_labels_a_column_at_a_time_are_those_a_cell_at_a_time():
    from spatial.core._ids import label_texts
    from spatial.core.checks import label_text

    columns = [pd.Series(["S1", "S2", "S1"], dtype="string"), pd.Series([1.0, 2.0, np.nan]),
               pd.Series([3, "03", None, True, 2.5], dtype=object), pd.Series([], dtype=object),
               np.array(["甲", "乙"], dtype=object)]
    for values in columns:
        assert label_texts(values) == [label_text(v) for v in np.asarray(values, dtype=object)]
    assert label_texts(columns[2]) == ["3", "03", "None", "True", "2.5"]
