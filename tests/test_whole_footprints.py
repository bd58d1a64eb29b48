"""A grid's border never passes through a building: each footprint lies wholly in its own unit.

Tiny layouts in metres (UTM 50N) with answers worked out by hand. The reference is measured here
with shapely on the raw footprints: the share of each footprint's area inside the polygon of the
unit whose ``building_index`` is that building (at least 99.9%, or all but 0.01 m²); a footprint
that cannot be held whole (it overlaps another, it reaches into another community, its parts have
other land between them) is a row of the report naming it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from spatial.core.checks import Report
from spatial.grids.partition import partition_grids
from spatial.grids.tessellation import units_from_buildings

UTM = "EPSG:32650"


def share_in_own_unit(buildings: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> dict:
    """Building label -> share of its footprint's area inside its own unit's polygon."""
    out = {}
    for geom, label in zip(units.geometry, units["building_index"]):
        if label is None or label != label:
            continue
        fp = buildings.geometry.loc[label]
        out[label] = shapely.area(shapely.intersection(fp, geom)) / fp.area
    return out


def held_whole(buildings, units, label) -> bool:
    fp = buildings.geometry.loc[label]
    lost = (1 - share_in_own_unit(buildings, units)[label]) * fp.area
    return lost <= max(0.01, 0.001 * fp.area)


def rows_about(report: Report, label) -> list[str]:
    frame = report.to_frame()
    return frame.loc[(frame["layer"] == "buildings") & (frame["row_id"].astype(str) == str(label)), "problem"].tolist()


def one_community(area=None):
    area = box(0, 0, 100, 60) if area is None else area
    return gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[area], crs=UTM)


#: An L (two wings 8 m wide, 40 and 40 m long) and a house 7.3 x 5.1 m ``gap`` metres off its
#: inner corner, turned ``angle`` degrees: what main lost before (m², by shapely on its units).
L_CASES = [
    (60, 0.45),  # the L lost 3.27 m² at its outer corner to a 44 m² unit of land no cell claimed
    (17, 0.2),  # the house lost 0.069 m² (0.19%) to the L's cell reaching into the inner corner
]


@pytest.mark.parametrize(("angle", "gap"), L_CASES)
def test_an_l_shaped_building_and_the_house_in_its_corner_are_each_whole_in_their_units(angle, gap):
    """Both footprints lie wholly in their own units (99.9% of the area, or all but 0.01 m²),
    whatever the Voronoi cells of their sampled outlines did at the corners."""
    ell = Polygon([(20, 10), (60, 10), (60, 18), (28, 18), (28, 50), (20, 50)])
    house = box(28 + gap, 18 + gap, 28 + gap + 7.3, 18 + gap + 5.1)
    ell, house = (affinity.rotate(g, angle, origin=(50, 30)) for g in (ell, house))
    bld = gpd.GeoDataFrame({"households": [80, 6]}, geometry=[ell, house], crs=UTM, index=["L", "H"])
    area = box(-40, -40, 140, 100)
    units = units_from_buildings(bld, one_community(area))
    assert held_whole(bld, units, "L") and held_whole(bld, units, "H")
    assert units.geometry.union_all().symmetric_difference(area).area < 0.01
    assert units["households"].sum() == 86


def test_a_building_in_two_parts_with_another_between_them_gives_one_part_to_the_unit_round_it():
    """One building drawn as two blocks 40 m apart (one id, a MultiPolygon) with another building
    standing between them from edge to edge of the block. Its unit was both parts, two pieces with
    the middle building's land between them, so a grid holding it was in two pieces. Now every
    unit is one piece: T's unit holds one part whole (where its 100 households are counted), the
    other part (400 m² of footprint) lies whole in M's unit, and a report row names T, the parts
    and M's unit (T's cell reaches 15 m past its part: 25 m of M's land lie between them)."""
    two = MultiPolygon([box(10, 20, 30, 40), box(70, 20, 90, 40)])
    middle = box(45, 2, 55, 58)
    bld = gpd.GeoDataFrame({"id": ["T", "M"], "households": [100, 40]}, geometry=[two, middle], crs=UTM,
                           index=["T", "M"])
    report = Report()
    units = units_from_buildings(bld, one_community(), building_id_col="id", report=report)
    assert (shapely.get_type_id(units.geometry.values) == 3).all()  # each unit one Polygon
    own = units.set_index("building_index")
    parts = shapely.get_parts(two)
    in_t = shapely.area(shapely.intersection(parts, own.geometry["T"]))
    in_m = shapely.area(shapely.intersection(parts, own.geometry["M"]))
    assert sorted(in_t.round(3)) == [0, 400] and sorted(in_m.round(3)) == [0, 400]  # each part whole in one unit
    assert held_whole(bld, units, "M")
    assert own.loc["T", "households"] == 100 and own.loc["M", "households"] == 40
    assert rows_about(report, "T") == [
        f"its footprint is in 2 parts with up to 25 m of other units' land between them: all its households are "
        f"counted in its unit {own.loc['T', 'unit_id']}, with the part of 400.0 m2; the other parts lie in the units "
        f"round them, {own.loc['M', 'unit_id']} (400.0 m2), so a grid border may pass between the parts"]
    frame = report.to_frame()
    assert frame.loc[frame["row_id"] == "T", "action"].tolist() == [
        "if the other parts house no one (a garage, a passage), nothing to do; if they are buildings with households "
        "of their own, give each part a row of its own with its households; if it is one building, draw it as one "
        "footprint"]
    assert units.geometry.union_all().symmetric_difference(box(0, 0, 100, 60)).area < 0.01


def test_a_building_in_two_parts_with_land_between_them_its_own_is_one_piece():
    """The same two blocks with nothing between them: one unit of one piece holds both."""
    two = MultiPolygon([box(10, 20, 30, 40), box(70, 20, 90, 40)])
    bld = gpd.GeoDataFrame({"households": [100, 10]}, geometry=[two, box(45, 50, 50, 55)], crs=UTM,
                           index=["T", "S"])
    report = Report()
    units = units_from_buildings(bld, one_community(), report=report)
    own = units.set_index("building_index").geometry
    assert held_whole(bld, units, "T") and shapely.get_num_geometries(own["T"]) == 1
    assert rows_about(report, "T") == []


def test_two_overlapping_footprints_the_larger_holds_the_overlap_and_the_smaller_is_named():
    """A 30 m square and a 20 x 20 m annex overlapping it by 5 x 20 m (100 m², a quarter of the
    annex): the square's unit holds all of it; the annex's unit holds the other 300 m², and a
    report row names the annex, the square and the 100 m²."""
    big, annex = box(10, 10, 40, 40), box(35, 15, 55, 35)
    bld = gpd.GeoDataFrame({"households": [50, 20]}, geometry=[big, annex], crs=UTM, index=["B", "A"])
    report = Report()
    units = units_from_buildings(bld, one_community(), report=report)
    share = share_in_own_unit(bld, units)
    assert share["B"] >= 0.999
    assert share["A"] == pytest.approx(0.75, abs=1e-3)
    assert rows_about(report, "A") == ["overlaps building B's footprint by 100.0 m2; the larger one's unit holds "
                                       "the overlap"]
    assert rows_about(report, "B") == []


def test_a_building_across_a_path_line_is_held_whole_by_its_unit_across_it():
    """A footpath drawn through a building (an arcade, a passage) cuts the block in two; the
    building's unit holds all its footprint, on both sides of the line."""
    bld = gpd.GeoDataFrame({"households": [60, 10, 10]},
                           geometry=[box(40, 20, 60, 40), box(10, 20, 20, 30), box(80, 20, 90, 30)], crs=UTM)
    path = gpd.GeoDataFrame(geometry=[LineString([(52, -5), (52, 65)])], crs=UTM)
    units = units_from_buildings(bld, one_community(), roads=path)
    assert all(held_whole(bld, units, k) for k in range(3))
    own = units.set_index("building_index").geometry
    assert shapely.get_num_geometries(own[0]) == 1 and own[0].intersects(LineString([(52, 0), (52, 60)]))
    assert units.geometry.union_all().symmetric_difference(box(0, 0, 100, 60)).area < 0.01
    assert np.isclose(units.area.sum(), 6000, atol=0.01)


def test_a_building_reaching_into_another_community_is_named():
    """A 20 m house 70% in community C and 30% in D: C's unit holds its part in C, and a report
    row says 120 m² (30%) lies outside C."""
    comm = gpd.GeoDataFrame({"community_id": ["C", "D"]}, geometry=[box(0, 0, 100, 60), box(100, 0, 200, 60)],
                            crs=UTM)
    bld = gpd.GeoDataFrame({"households": [40, 5, 5]},
                           geometry=[box(86, 20, 106, 40), box(10, 10, 20, 20), box(150, 10, 160, 20)], crs=UTM)
    report = Report()
    units = units_from_buildings(bld, comm, report=report)
    mine = units.set_index("building_index").geometry[0]
    assert shapely.area(shapely.intersection(bld.geometry[0], mine)) == pytest.approx(280, abs=0.01)
    assert rows_about(report, 0) == ["120.0 m2 (30.0%) of its footprint lies outside community 'C', which holds "
                                     "the building"]


def test_a_footprint_drawn_twice_counts_its_households_once_and_names_both_buildings():
    """A survey's twin: house A drawn twice (rows A and A2, the same 20 m square, 40 households
    each), and house H (10). Both rows were counted in A's unit, 90 households in all for the 50
    that live there; now A's unit counts 40, the units 50, and the row on A2 names A."""
    sq = box(10, 10, 30, 30)
    bld = gpd.GeoDataFrame({"households": [40, 40, 10]}, geometry=[sq, sq, box(60, 10, 80, 30)], crs=UTM,
                           index=["A", "A2", "H"])
    report = Report()
    units = units_from_buildings(bld, one_community(), report=report)
    # reference: households per distinct footprint (pandas on the WKB of the raw geometries)
    once = bld.assign(wkb=bld.geometry.to_wkb()).groupby("wkb")["households"].max().sum()
    assert once == 50 and units["households"].sum() == once
    own = units.set_index("building_index")
    assert own.loc["A", "households"] == 40 and own.loc["A", "buildings"] == 1 and "A2" not in own.index
    assert held_whole(bld, units, "A")
    frame = report.to_frame()
    row = frame[frame["row_id"] == "A2"]
    assert row["problem"].tolist() == ["the same footprint as building A (drawn twice)"]
    assert row["action"].tolist() == [f"counted once with it in unit {own.loc['A', 'unit_id']}: 40 households (the "
                                      "larger of its 40 and building A's 40), not 80; delete one of the two"]


def test_twins_with_different_counts_count_the_larger_once():
    sq = box(10, 10, 30, 30)
    bld = gpd.GeoDataFrame({"households": [25, 60, 10], "floors": [3, 3, 2]}, crs=UTM,
                           geometry=[sq, affinity.translate(sq, 1e-4, 0), box(60, 10, 80, 30)])
    units = units_from_buildings(bld, one_community(), floors_col="floors")
    assert sorted(units.loc[units["households"] > 0, "households"]) == [10, 60]
    assert units["floor_area_m2"].sum() == pytest.approx(400 * 3 + 400 * 2, abs=0.1)  # one 400 m² footprint of 3 floors


def _pieces_of_grids(units: gpd.GeoDataFrame) -> dict:
    """Grid id -> number of pieces: the parts of its units as nodes, joined where two share at least
    1 m of edge (networkx on shapely's measure of the units written, not the engine's graph)."""
    import networkx as nx

    out = {}
    for gid, rows in units.groupby("grid_id"):
        parts = [p for g in rows.geometry for p in shapely.get_parts(g)]
        graph = nx.Graph()
        graph.add_nodes_from(range(len(parts)))
        for a in range(len(parts)):
            for b in range(a + 1, len(parts)):
                if shapely.intersection(parts[a].boundary, parts[b].buffer(1e-3)).length >= 1.0:
                    graph.add_edge(a, b)
        out[gid] = nx.number_connected_components(graph)
    return out


def test_no_grid_is_in_pieces_where_a_building_is_in_parts():
    """T in two parts with M standing between them edge to edge, and two houses: drawn as two
    grids, T's grid was in two pieces (its unit held both parts, with M's land between them)."""
    two = MultiPolygon([box(10, 20, 30, 40), box(70, 20, 90, 40)])
    bld = gpd.GeoDataFrame({"households": [100, 40, 30, 30]}, crs=UTM,
                           geometry=[two, box(45, 2, 55, 58), box(12, 45, 18, 55), box(82, 45, 88, 55)])
    units = units_from_buildings(bld, one_community())
    res = partition_grids(units, one_community(), n_grids=2, min_households=0, max_households=1000)
    assert set(_pieces_of_grids(res.units).values()) == {1}
    assert res.units["households"].sum() == 200 and not res.report["problem"].str.contains("pieces").any()


def _building_in_two_grids(folder):
    """T in two parts 240 m apart (its 600 m² where its 100 households are, a 100 m² part at the
    far end) and five houses of 100 in a row: with a band of 250-350 the row is cut in two grids."""
    t = MultiPolygon([box(10, 20, 40, 40), box(280, 20, 290, 30)])
    geoms = [t] + [box(x, 20, x + 20, 40) for x in (60, 110, 160, 210, 250)]
    bld = gpd.GeoDataFrame({"楼号": ["T", "A", "B", "C", "D", "E"], "households": [100] * 6}, geometry=geoms, crs=UTM)
    bld.to_file(folder / "b.gpkg")
    one_community(box(0, 0, 300, 60)).to_file(folder / "c.gpkg")
    return bld


def _grids_holding(part, grids: gpd.GeoDataFrame) -> list:
    metres = grids.to_crs(UTM).geometry.values  # (a project run writes degrees)
    return sorted(grids.loc[shapely.area(shapely.intersection(metres, part)) > 0.01, "grid_id"])


@pytest.mark.parametrize("command", ["grids", "run"])
def test_a_building_whose_parts_the_grids_drawn_part_names_those_grids(tmp_path, command):
    """The row on a footprint in parts said a grid border "may" pass between them; once drawn, it
    names the grids holding the parts where there are two (reference: shapely on the grid polygons
    written and each part of the raw footprint), the one with its households first."""
    from spatial.cli import main

    bld = _building_in_two_grids(tmp_path)
    if command == "grids":
        args = ["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--from-buildings", "--min", "250",
                "--max", "350", "--out", str(tmp_path / "g.gpkg")]
        out = tmp_path / "g.gpkg"
    else:
        (tmp_path / "p.toml").write_text(
            '[project]\nname = "T"\noutput = "out"\n[inputs]\ncommunities = "c.gpkg"\nbuildings = "b.gpkg"\n[grids]\n'
            'min_households = 250\nmax_households = 350\n[coverage]\nenabled = false\n[outputs]\nmaps = false\n'
            'workbook = false\npng = false\n', encoding="utf-8")
        args, out = ["run", str(tmp_path / "p.toml")], tmp_path / "out" / "results.gpkg"
    assert main(args) == 0
    grids, report = gpd.read_file(out, layer="grids"), gpd.read_file(out, layer="report")
    big, small = shapely.get_parts(bld.geometry[0])
    home, far = _grids_holding(big, grids), _grids_holding(small, grids)
    assert len(home) == len(far) == 1 and home != far
    rows = report.loc[report["problem"].str.startswith("its footprint is in 2 parts"), "problem"].tolist()
    assert len(rows) == 1
    assert rows[0].endswith(f"so a grid border may pass between the parts; the grids drawn put them in {home[0]} (its "
                            f"households) and {far[0]}")
