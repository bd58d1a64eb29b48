"""A planner's whole workflow on real streets (an outside tester's findings): drawing grids,
scoring the drawing again, redrawing, codes, staffing, 多网合一 and the editor, on tiny inputs with
answers known by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spatial.cli import main
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.merge import merge_grid_layers
from spatial.grids.partition import partition_grids
from spatial.grids.workforce import ten_household_groups

UTM = "EPSG:32651"  # Shanghai's zone: metres


def two_streets():
    """Communities A (x 0-100) and B (x 100-200), 100 m deep, each two blocks of two units of 150
    households (a north and a south half) facing each other across a 10 m street (A: x 45-55,
    B: x 145-155); B's blocks stop 5 m short of the community line. Drawn, each block is a grid
    that takes the street up to its middle and its community's land up to the line: four grids
    of exactly 50 m x 100 m = 5,000 m²."""
    communities = gpd.GeoDataFrame({"community_id": ["A", "B"]},
                                   geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs=UTM)
    boxes = [(0, 45), (55, 100), (105, 145), (155, 200)]
    units = gpd.GeoDataFrame({"unit_id": [f"{i:03d}" for i in range(1, 9)], "households": [150] * 8},
                             geometry=[shapely.box(x0, y, x1, y + 50) for x0, x1 in boxes for y in (0, 50)], crs=UTM)
    return units, communities


def test_evaluating_the_drawn_units_again_scores_the_grids_drawn():
    # The partition's units carry no community column; scored again with the communities, all of
    # them were grown into the street gaps as one community, not clipped to their own: grid A-02
    # reached 2.5 m into B (5,250 m² for 5,000), road shares and Polsby-Popper differed from the
    # drawing's (on Huangpu's blocks: areas 27,575 m² for 442,471, road share off by 0.60), and
    # the street-gap report row named no community (row_id None).
    units, communities = two_streets()
    drawn = partition_grids(units, communities, min_households=250, max_households=350)
    assert "community_id" not in drawn.units.columns
    assert drawn.grids["area_m2"].round(6).tolist() == [5000.0] * 4
    scored = evaluate_grids(drawn.units, communities, min_households=250, max_households=350)
    got = scored.grids.set_index("grid_id")
    want = drawn.grids.set_index("grid_id")
    assert got["community_id"].to_dict() == want["community_id"].to_dict()
    for col in ("area_m2", "polsby_popper", "road_share"):
        assert got[col].to_numpy() == pytest.approx(want.loc[got.index, col].to_numpy(), abs=1e-6), col
    assert got["area_m2"].to_numpy() == pytest.approx([5000.0] * 4, abs=1e-6)
    gaps = scored.report[scored.report["problem"].str.contains("street gaps narrower")]
    assert sorted(gaps["row_id"]) == ["A", "B"]  # each community's street, by its id


# ------------------------------------------------------------------ 多网合一 on layers from two systems

# Real outlines from a Huangpu run, cut down to what shows the fault: 综治 grid 4-01 stored in
# degrees, 城管 grids from a Web Mercator shapefile (CG056 with a pinhole of no area, as a
# dissolve leaves them), community 0102 in degrees.
_HUANGPU = {
    ('z', '4-01', 4326): (
        "POLYGON ((121.47525015076883 31.230818954208733, "
        "121.47531893145812 31.230819769886462, 121.47647834757524 31.230385655111142, "
        "121.47525015076883 31.230818954208733))"
    ),
    ('c', 'CG026', 3857): (
        "POLYGON ((13523117.194346612 3662769.47240294, 13523105.456796784 3662769.3101380486, "
        "13523251.685686091 3663028.2542833905, 13523320.858264226 3662910.0871514385, "
        "13523117.194346612 3662769.47240294))"
    ),
    ('c', 'CG054', 3857): (
        "POLYGON ((13523105.456799902 3662769.310138091, "
        "13523180.808291625 3662770.3516334076, 13523139.449425148 3662681.732389032, "
        "13523105.456799902 3662769.310138091))"
    ),
    ('c', 'CG056', 3857): (
        "POLYGON ((13522562.102059226 3662487.8088035327, "
        "13522550.563232413 3662507.3647337183, 13522538.759351682 3662527.369829249, "
        "13522538.755627193 3662527.376133991, 13522537.833772607 3662528.9347822974, "
        "13522522.42295278 3662555.0605490683, 13522510.412929645 3662577.0871464903, "
        "13522503.040374467 3662590.6062094127, 13522499.721903889 3662596.691285977, "
        "13522499.667220745 3662596.785031326, 13522496.120744245 3662602.864885857, "
        "13522488.74252512 3662615.513623278, 13522453.806142293 3662676.545544125, "
        "13522443.47943877 3662696.089919593, 13522436.717724279 3662708.8871542006, "
        "13522436.5664211 3662719.8961223215, 13522476.005111583 3662750.440088859, "
        "13522489.35235515 3662760.7770445696, 13522492.31399989 3662760.818137763, "
        "13522525.518724544 3662761.2788084256, 13522553.833512556 3662761.6715666642, "
        "13522562.990769114 3662761.798574185, 13522570.647400422 3662761.9047633675, "
        "13522642.523367008 3662762.901371636, 13522653.048566708 3662763.0472751237, "
        "13522686.180935062 3662713.8016190357, 13522645.476025457 3662690.129652753, "
        "13522648.945383448 3662684.1047524745, 13522645.704846019 3662682.026257985, "
        "13522644.5149508 3662681.3553680317, 13522631.864198882 3662674.2225775025, "
        "13522626.28287216 3662671.3900107243, 13522623.272236254 3662671.118492637, "
        "13522622.198574662 3662669.3756081965, 13522618.64252853 3662666.2011365374, "
        "13522600.378185857 3662656.083341111, 13522595.084919611 3662652.64884615, "
        "13522594.409652814 3662652.2107042703, 13522595.10771099 3662650.9889508095, "
        "13522597.806412056 3662646.2656360413, 13522595.786502697 3662645.1002787994, "
        "13522596.378907854 3662601.954909329, 13522689.855583657 3662603.2507010642, "
        "13522691.144643158 3662509.3137157676, 13522597.668677127 3662508.0179705387, "
        "13522598.624937445 3662438.369550484, 13522591.657594495 3662447.8818303333, "
        "13522573.840187598 3662472.6072789957, 13522573.69985794 3662472.7953312146, "
        "13522562.102059226 3662487.8088035327), (13522645.476024276 3662690.129654804, "
        "13522644.476097679 3662689.548144687, 13522645.476025457 3662690.129652753, "
        "13522645.476024276 3662690.129654804))"
    ),
    ('cm', '0102', 4326): (
        "POLYGON ((121.48611443492 31.2309473387592, 121.48595346803754 31.241038906048523, "
        "121.47394726354172 31.240896933008983, 121.47410950566936 31.23080542180776, "
        "121.48611443492 31.2309473387592))"
    ),
}


def huangpu_layers():
    """The 综治 and 城管 layers and the community, each in the CRS it was stored in."""
    def layer(kind, id_col):
        rows = [(gid, epsg, wkt) for (k, gid, epsg), wkt in _HUANGPU.items() if k == kind]
        return gpd.GeoDataFrame({id_col: [r[0] for r in rows]}, geometry=shapely.from_wkt([r[2] for r in rows]),
                                crs=rows[0][1])
    return {"综治": layer("z", "grid_id"), "城管": layer("c", "grid_id")}, layer("cm", "community_id")


def test_merge_maps_each_department_grid_by_the_land_it_shares_with_each_unified_grid():
    # GEOS's floating noding of the outlines from two CRSs left free ends, so polygonize made
    # faces spanning two grids, each given whole to the grid holding a point in it: here 城管
    # CG054 got no mapping row at all; on the whole of Huangpu a face of 38,266 m² spanned CG025
    # and CG058, 48 department grids had shares summing over 1 (up to 1.95), and the unified plan
    # had two grids more than the reference layer. The reference here is an overlay of each
    # department grid with each unified grid, by shapely.
    layers, communities = huangpu_layers()
    merged = merge_grid_layers(layers, communities)
    utm = merged.unified.estimate_utm_crs()
    unified = merged.unified.to_crs(utm)
    for name, grids in layers.items():
        grids = grids.to_crs(utm)
        pairs = gpd.overlay(grids[["grid_id", "geometry"]], unified[["unified_id", "geometry"]], keep_geom_type=True)
        whole = grids.area.to_numpy()[[list(grids["grid_id"]).index(g) for g in pairs["grid_id"]]]
        pairs["want"] = pairs.area.to_numpy() / whole
        want = pairs[pairs["want"] > 1e-4].set_index(["grid_id", "unified_id"])["want"].sort_index()
        got = merged.mapping[merged.mapping["layer"] == name].set_index(["grid_id", "unified_id"])["share"]
        got = got[got > 1e-4].sort_index()
        assert list(got.index) == list(want.index), name
        assert got.to_numpy() == pytest.approx(want.to_numpy(), abs=1e-4), name
    # every face lies in the grids it is counted in
    atoms = merged.atoms.to_crs(utm)
    cg = layers["城管"].to_crs(utm).set_index("grid_id").geometry
    inside = atoms[atoms["城管"].notna()]
    outside = shapely.area(inside.geometry.values) - shapely.area(
        shapely.intersection(inside.geometry.values, cg.loc[inside["城管"]].to_numpy()))
    assert outside.max() < 1.0


def test_merge_places_a_face_on_a_pinhole_in_the_grid_around_it():
    # A grid with a pinhole (a hole of no area, as a dissolve leaves one) at the face's inner
    # point: a point-in-grid test put the face in no grid of the layer.
    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[shapely.box(0, 0, 200, 200)], crs=UTM)
    a = gpd.GeoDataFrame({"grid_id": ["A1", "A2"]}, geometry=[shapely.box(0, 0, 100, 200), shapely.box(100, 0, 200, 200)],
                         crs=UTM)
    pinhole = [(50, 50), (49.1, 49.5), (50.0000001, 50.0000002), (50, 50)]
    b1 = shapely.Polygon([(0, 0), (200, 0), (200, 100), (0, 100)], [pinhole])
    b = gpd.GeoDataFrame({"grid_id": ["B1", "B2"]}, geometry=[b1, shapely.box(0, 100, 200, 200)], crs=UTM)
    merged = merge_grid_layers({"a": a, "b": b}, comm)
    faces = merged.atoms[merged.atoms.area > 1]
    assert sorted(zip(faces["a"], faces["b"])) == [("A1", "B1"), ("A1", "B2"), ("A2", "B1"), ("A2", "B2")]
    shares = merged.mapping.set_index(["layer", "grid_id", "unified_id"])["share"].round(6).to_dict()
    assert shares == {("a", "A1", "C-01"): 1.0, ("a", "A2", "C-02"): 1.0, ("b", "B1", "C-01"): 0.5,
                      ("b", "B1", "C-02"): 0.5, ("b", "B2", "C-01"): 0.5, ("b", "B2", "C-02"): 0.5}


# ------------------------------------------------------------------ grids written in degrees


def test_a_hairline_spike_crossed_by_the_return_to_degrees_leaves_no_pinhole():
    # Five corners of Huangpu grid 0101-13 drawn in metres: a spike out to (353968.69, 3456624.07)
    # and back along the same line, valid in metres. Rounded to degrees it crosses itself, and the
    # repair made a hole of 1e-7 m² of it: 14 of the 19 holes of Huangpu's 89 grids written in
    # EPSG:4326 held less than 1 m², and such pinholes broke 多网合一 (the faces above).
    from spatial.core.reproject import to_crs_valid

    ring = [(353962.27896800044, 3456742.6726006214), (353986.0638652419, 3456647.3701076694),
            (353968.6879795251, 3456624.0737871253), (353978.73554088536, 3456637.544824743),
            (353876.0637679477, 3456454.592926807)]
    grid = gpd.GeoDataFrame({"grid_id": ["0101-13"]}, geometry=[shapely.Polygon(ring)], crs=UTM)
    assert grid.is_valid.all() and not grid.to_crs(4326).is_valid.any()
    out = to_crs_valid(grid, "EPSG:4326")
    assert out.is_valid.all() and out.geom_type.tolist() == ["Polygon"]
    assert [len(p.interiors) for p in out.geometry] == [0]
    assert out.to_crs(UTM).area.iloc[0] == pytest.approx(grid.area.iloc[0], rel=1e-6)


# ------------------------------------------------------------------ grid codes of a crowded community


def test_a_community_with_more_grids_than_the_code_numbers_leaves_the_others_their_codes():
    # Huangpu drawn as 400 grids: community 0102 got 149, 0101 113, 4 98 and 社区C 40. The report
    # said "community '0101' has 149 grids" (0101's name, 0102's count), told the planner to "fix
    # the communities' 'code' column" (the codes were right), and no grid had a code, not even
    # those of 4 and 社区C, which two digits number.
    big = [shapely.box(100 * (i % 10), 100 * (i // 10), 100 * (i % 10) + 100, 100 * (i // 10) + 100)
           for i in range(100)]
    small = [shapely.box(1100, 0, 1200, 100), shapely.box(1200, 0, 1300, 100)]
    units = gpd.GeoDataFrame({"unit_id": [f"u{i:03d}" for i in range(102)], "households": [400] * 102},
                             geometry=big + small, crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["0101", "0102"], "code": ["310101002001", "310101002002"]},
                                   geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1100, 0, 1300, 100)], crs=UTM)
    res = partition_grids(units, communities, min_households=300, max_households=500)
    counts = res.grids["community_id"].value_counts().to_dict()
    assert counts == {"0101": 100, "0102": 2}
    codes = res.grids.set_index("grid_id")["grid_code"]
    assert sorted(codes[codes.notna()]) == ["00000031010100200201", "00000031010100200202"]
    assert codes[res.grids.set_index("grid_id")["community_id"] == "0101"].isna().all()
    row = res.report[res.report["problem"].str.startswith("grid codes not assigned")]
    assert len(row) == 1
    assert "community '0101' (100) has more grids than layout 'cjt349' numbers (at most 99" in row["problem"].iloc[0]
    assert "merge grids or take a layout of 3 grid digits" in row["action"].iloc[0]


# ------------------------------------------------------------------ options that do nothing alone


def test_floors_col_without_from_buildings_is_refused_in_one_line(tmp_path, capsys):
    # `spatial grids COMM UNITS --floors-col 层数` drew the grids and ignored the floors (exit 0).
    units, communities = two_streets()
    units.to_file(tmp_path / "u.gpkg")
    communities.to_file(tmp_path / "c.gpkg")
    code = main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--out", str(tmp_path / "g.gpkg"),
                 "--floors-col", "层数"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not (tmp_path / "g.gpkg").exists()
    assert len(err.splitlines()) == 1
    assert "--floors-col 层数 is for --from-buildings" in err and "add --from-buildings, or drop --floors-col" in err


# ------------------------------------------------------------------ 十联户 groups


def test_household_groups_count_whole_households_as_whole_numbers():
    # Huangpu's 589 building points with an integer 户数 column: the groups' households came back
    # as floats (35355.0 in all, 60.0 in the median group), in the layer and the CSVs made of it.
    units, communities = two_streets()
    drawn = partition_grids(units, communities, min_households=250, max_households=350)
    points = drawn.units.assign(geometry=drawn.units.representative_point())[["unit_id", "geometry"]]
    points["户数"] = [12, 8, 10, 10, 7, 13, 20, 0]
    res = ten_household_groups(points, drawn.units, households_col="户数")
    assert str(res.groups["households"].dtype) == "int64"
    assert res.groups["households"].sum() == 80
    assert res.groups.groupby("grid_id")["households"].sum().to_dict() == {"A-01": 20, "A-02": 20, "B-01": 20,
                                                                            "B-02": 20}
    one_each = ten_household_groups(points.drop(columns="户数"), drawn.units)  # one household a point
    assert str(one_each.groups["households"].dtype) == "int64" and one_each.groups["households"].sum() == 8


def test_a_plan_of_one_unit_a_grid_is_scored_as_units():
    # Each block one unit of 300 households, each a grid: scored again, the units were taken for
    # grid polygons (no grid id repeats), so each grid was its unit alone, not grown into the
    # street as drawn: 4,500 m² and 4,000 m² for the 5,000 m² drawn.
    communities = two_streets()[1]
    boxes = [(0, 45), (55, 100), (105, 145), (155, 200)]
    units = gpd.GeoDataFrame({"unit_id": ["001", "002", "003", "004"], "households": [300] * 4},
                             geometry=[shapely.box(x0, 0, x1, 100) for x0, x1 in boxes], crs=UTM)
    drawn = partition_grids(units, communities, min_households=250, max_households=350)
    assert drawn.grids["area_m2"].round(6).tolist() == [5000.0] * 4
    scored = evaluate_grids(drawn.units, communities, min_households=250, max_households=350)
    assert scored.grids["area_m2"].to_numpy() == pytest.approx([5000.0] * 4, abs=1e-6)
    got, want = scored.grids.set_index("grid_id"), drawn.grids.set_index("grid_id")
    for col in ("polsby_popper", "road_share"):
        assert got[col].to_numpy() == pytest.approx(want.loc[got.index, col].to_numpy(), abs=1e-6), col


def test_a_tower_given_as_one_point_does_not_leave_its_neighbours_in_groups_of_one():
    # One grid of a 120-household tower (one point: it is never split) and 15 homes of one
    # household each in a row to its east: the grid's ceil(135 / 10) = 14 groups were all forced
    # on the points there were, so the tower was one group and the 15 homes 13 groups of one or
    # two households, 13 联户长 for 15 homes. Now the tower is a group of its own and the 15 homes
    # ceil(15 / 10) = 2 groups of 8 and 7 neighbours.
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["G1"]}, geometry=[shapely.box(0, 0, 200, 20)], crs=UTM)
    points = gpd.GeoDataFrame({"hh": [120] + [1] * 15},
                              geometry=[shapely.Point(5, 10)] + [shapely.Point(20 + 10 * i, 10) for i in range(15)],
                              crs=UTM)
    res = ten_household_groups(points, units, households_col="hh")
    assert sorted(res.groups["households"].tolist()) == [7, 8, 120]
    assert res.groups["households"].sum() == 135
    homes = res.households.iloc[1:]
    assert res.households["group_id"].iloc[0] not in set(homes["group_id"])  # the tower alone
    # the 8 and the 7 are each a run of neighbours along the row
    for _, part in homes.groupby("group_id"):
        xs = sorted(part.geometry.x)
        assert xs[-1] - xs[0] == 10 * (len(xs) - 1)
    # a tower of 19 households and 2 homes: the tower and one group of the two homes, not 19, 1, 1
    points = points.iloc[:3].assign(hh=[19, 1, 1])
    assert sorted(ten_household_groups(points, units, households_col="hh").groups["households"]) == [2, 19]


def test_grids_tiled_in_rows_with_slanting_edges_are_numbered_row_by_row():
    # Three rows of four 100 m blocks whose inner corners are moved by up to 20 m (a tiling, as
    # streets are never straight). Each grid's height counts its slanting edges (here up to 140 m),
    # so bands that tall from the top point made the north and middle rows one band, numbered
    # west to east across both: 1 3 5 7 north, 2 4 ... middle. Read row by row: 1-4 north, 5-8
    # middle, 9-12 south.
    from spatial.grids.codes import assign_grid_codes

    corners = {(i, j): (100 * i, 100 * j) for i in range(5) for j in range(4)}
    shift = {(1, 2): (-20, 20), (2, 2): (20, -20), (3, 2): (-20, 20), (1, 1): (20, 20), (2, 1): (-20, -20),
             (3, 1): (20, 20)}
    for k, (dx, dy) in shift.items():
        corners[k] = (corners[k][0] + dx, corners[k][1] + dy)
    cells, names = [], []
    for row, j in enumerate((2, 1, 0)):  # north row first
        for i in range(4):
            cells.append(shapely.Polygon([corners[i, j], corners[i + 1, j], corners[i + 1, j + 1], corners[i, j + 1]]))
            names.append(f"r{row + 1}c{i + 1}")
    assert shapely.union_all(cells).area == pytest.approx(400 * 300)  # a tiling
    grids = gpd.GeoDataFrame({"grid_id": names, "community_id": "C1"}, geometry=cells, crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304001002"]},
                                   geometry=[shapely.box(0, 0, 400, 300)], crs=UTM)
    out = assign_grid_codes(grids, communities, layout="db11")
    assert out["grid_seq"].tolist() == list(range(1, 13))
    assert out["grid_code"].iloc[4] == "440304001002005"  # r2c1: the first of the middle row


def test_groups_along_a_street_front_strip_are_runs_of_neighbours_not_strands_of_the_strip():
    # A grid 1,000 m long and 50 m deep (shops with flats above, along one street), 100 homes in
    # two rows 20 m apart, every 20 m. The Hilbert curve was laid over the grid's own extent,
    # squeezing 1,000 m and 50 m onto the same square: its groups of 10 ran up to 480 m along the
    # street (the other 8 of them 180 m: 2,640 m in all). Over a square, each group is a stretch of
    # 80-100 m (880 m in all).
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["G1"]}, geometry=[shapely.box(0, 0, 1000, 50)], crs=UTM)
    xy = [(x, y) for x in range(10, 1000, 20) for y in (15, 35)]
    points = gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=UTM)
    res = ten_household_groups(points, units)
    assert sorted(res.groups["households"]) == [10] * 10
    length = res.households.groupby("group_id").geometry.agg(lambda s: s.x.max() - s.x.min())
    assert length.max() <= 160  # 5 stops of 20 m make 80 m; a curve's bend may take a few more
    assert length.sum() <= 1200


def test_two_communities_given_one_code_are_refused_not_given_the_same_grid_codes():
    # A typo copying community A's 12-digit code to B gave B's grids A's grid codes:
    # ...00100201 and ...00100202 twice each, so the 综治 system would merge the grids of two
    # communities. Now refused, naming the code and both communities; drawing grids does not stop:
    # the grids of A and B get no code and the report says why.
    from spatial.core.errors import ColumnError
    from spatial.grids.codes import assign_grid_codes

    units, communities = two_streets()
    communities = communities.assign(code=["440304001002", "440304001002"])
    grids = gpd.GeoDataFrame({"grid_id": ["A-01", "A-02", "B-01", "B-02"], "community_id": ["A", "A", "B", "B"]},
                             geometry=[shapely.box(x, 0, x + 50, 100) for x in (0, 50, 100, 150)], crs=UTM)
    with pytest.raises(ColumnError, match=r"one code to several communities.*440304001002: 'A', 'B'"):
        assign_grid_codes(grids, communities)
    res = partition_grids(units, communities)
    assert "grid_code" not in res.grids  # as when every code is bad
    assert res.report["problem"].str.contains("440304001002: 'A', 'B'").any()
    # a third community with its own code keeps its grid's code
    third = gpd.GeoDataFrame({"community_id": ["C"], "code": ["440304001004"]}, geometry=[shapely.box(200, 0, 300, 100)],
                             crs=UTM)
    res = partition_grids(units, gpd.GeoDataFrame(pd.concat([communities, third], ignore_index=True), crs=UTM))
    coded = res.grids.set_index("grid_id")["grid_code"]
    assert coded.notna().tolist() == (res.grids["community_id"] == "C").tolist()
    assert coded["C-01"] == "00000044030400100400"
    # with B's own code, every grid has its own
    res = partition_grids(units, communities.assign(code=["440304001002", "440304001003"]))
    assert res.grids["grid_code"].is_unique and res.grids["grid_code"].notna().all()
