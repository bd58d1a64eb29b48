"""Grid codes: numbering west→east, north→south, and the 20/15-digit layouts."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import shapely.affinity
from shapely.geometry import box

from spatial import ColumnError, CRSError, InfeasibleError
from spatial.grids.codes import assign_grid_codes, grid_sequence, parse_grid_code, split_division_code

CRS = "EPSG:32650"
CODE = "440304001002"  # Guangdong 44, Shenzhen 03, Futian 04, street 001, community 002


def _communities(code=CODE):
    return gpd.GeoDataFrame(
        {"community_id": ["C1"], "code": [code]}, geometry=[box(0, 0, 300, 200)], crs=CRS
    )


def _grids():
    # 3 x 2 cells of 100 m, listed in a scrambled order; the north row is y 100..200
    cells = {"g_se": (2, 0), "g_nw": (0, 1), "g_sw": (0, 0), "g_ne": (2, 1), "g_n": (1, 1), "g_s": (1, 0)}
    geoms = [box(100 * c, 100 * r, 100 * c + 100, 100 * r + 100) for c, r in cells.values()]
    return gpd.GeoDataFrame(
        {"grid_id": list(cells), "community_id": "C1"}, geometry=geoms, crs=CRS, index=list("abcdef")
    )


def test_numbering_runs_west_to_east_then_north_to_south():
    out = assign_grid_codes(_grids(), _communities())
    seq = dict(zip(out["grid_id"], out["grid_seq"]))
    assert seq == {"g_nw": 1, "g_n": 2, "g_ne": 3, "g_sw": 4, "g_s": 5, "g_se": 6}
    assert list(out.index) == list("abcdef")  # index and columns kept
    assert {"grid_id", "community_id"} <= set(out.columns)



def _u_town(wider_m: float = 0.0):
    """A U-shaped grid 'u' round a grid 'notch' in its middle, and 'east' and 'west' beside it,
    the U's east arm ``wider_m`` wider (a layer saved again: coordinates a micrometre off)."""
    bump = box(400, 0, 440, 60)  # under 'east': the U's middle lies a little east of the notch's
    u = shapely.union_all([box(100, 0, 400, 100), box(100, 0, 200, 300), box(300, 0, 400 + wider_m, 300), bump])
    geoms = [u, box(200, 100, 300, 300), box(400 + wider_m, 0, 500, 300).difference(bump), box(0, 0, 100, 300)]
    # in Shenzhen's UTM zone itself, so that the grids are read in these very coordinates
    geoms = [shapely.affinity.translate(g, 500_000, 2_500_000) for g in geoms]
    return gpd.GeoDataFrame({"grid_id": ["u", "notch", "east", "west"], "community_id": "C1"}, geometry=geoms,
                            crs=CRS)


def test_a_micrometre_off_numbers_the_same_grids_the_same():
    # the widest east-west stretch across the U at its middle height was its west arm, and its
    # east arm once that is a micrometre wider: the U was read at x 150, before the notch (x 250),
    # or at x 350, after it; it is read at its base's point nearest its centroid (x 255.6)
    seqs = [dict(zip(t["grid_id"], grid_sequence(t))) for t in (_u_town(), _u_town(1e-6), _u_town(-1e-6))]
    assert seqs[0] == seqs[1] == seqs[2] == {"west": 1, "notch": 2, "u": 3, "east": 4}


def test_the_demo_saved_again_in_a_gauss_krueger_zone_keeps_its_grid_names():
    # the same units after a round trip through EPSG:4547 (CGCS2000, CM 114E), streets given:
    # the same partition, and every unit under the same grid name (63 units of two communities
    # were renamed when grids were read at a point on their surface)
    import spatial
    from spatial.datasets.embedded import demo_paths
    from spatial.network.graph import edges_frame
    from spatial.network.read import read_network

    demo = spatial.load_demo()
    keep = demo["communities"]["community_id"].iloc[:2].tolist()
    units = demo["units"][demo["units"]["community_id"].isin(keep)]
    comms = demo["communities"][demo["communities"]["community_id"].isin(keep)]
    roads = edges_frame(read_network(demo_paths()["network"], exclude_highways=(), keep_private=True, keep="all"))
    first = spatial.partition_grids(units, comms, roads=roads).units["grid_id"]
    again = spatial.partition_grids(units.to_crs(4547).to_crs(units.crs), comms, roads=roads).units["grid_id"]
    assert first.nunique() == 21 and (first == again).all()

def test_cjt349_is_20_digits_with_object_type_prefix():
    out = assign_grid_codes(_grids(), _communities(), object_type="123456")
    code = out.set_index("grid_id").loc["g_n", "grid_code"]
    assert code == "123456" + "440304" + "001" + "002" + "02"
    assert len(code) == 20
    assert parse_grid_code(code) == {
        "object_type": "123456", "county": "440304", "street": "001", "community": "002", "grid": "02"
    }


@pytest.mark.parametrize("layout", ["db11", "stats12"])
def test_15_digit_layouts(layout):
    out = assign_grid_codes(_grids(), _communities(), layout=layout)
    code = out.set_index("grid_id").loc["g_se", "grid_code"]
    assert code == "440304001002006"
    assert parse_grid_code(code, layout=layout)["grid"] == "006"


def test_undivided_community_gets_00_under_cjt349():
    grids = _grids().iloc[:1]
    out = assign_grid_codes(grids, _communities())
    assert out["grid_code"].iloc[0].endswith("44030400100200")
    assert out["grid_seq"].iloc[0] == 0


def test_rows_follow_the_community_median_height_not_exact_y():
    # two grids in one band whose representative points differ by 30 m in northing
    grids = gpd.GeoDataFrame(
        {"grid_id": ["east", "west"], "community_id": "C1"},
        geometry=[box(100, 0, 200, 100), box(0, 30, 100, 130)],
        crs=CRS,
    )
    out = assign_grid_codes(grids, _communities())
    assert dict(zip(out["grid_id"], out["grid_seq"])) == {"west": 1, "east": 2}


def test_geographic_input_is_numbered_in_metres():
    out = assign_grid_codes(_grids().to_crs(4326), _communities().to_crs(4326))
    assert dict(zip(out["grid_id"], out["grid_seq"]))["g_ne"] == 3
    assert out.crs.to_epsg() == 4326


def test_split_division_code():
    assert split_division_code("110105003001") == {
        "province": "11", "city": "01", "county": "110105", "street": "003", "community": "001"
    }


def test_integer_and_float_codes_are_accepted():
    assert assign_grid_codes(_grids(), _communities(440304001002.0), layout="db11")["grid_code"].str.len().eq(15).all()


@pytest.mark.parametrize("bad", ["4403040010", "44030400100A", None])
def test_bad_community_code_names_the_row(bad):
    with pytest.raises(ColumnError, match=r"12-digit.*'C1'"):
        assign_grid_codes(_grids(), _communities(bad))


def test_grid_in_unknown_community_is_refused():
    grids = _grids()
    grids.loc["a", "community_id"] = "C9"
    with pytest.raises(ColumnError, match="g_se .community 'C9'"):
        assign_grid_codes(grids, _communities())


def test_too_many_grids_for_two_digits():
    grids = gpd.GeoDataFrame(
        {"grid_id": [f"g{i}" for i in range(100)], "community_id": "C1"},
        geometry=[box(i, 0, i + 1, 1) for i in range(100)],
        crs=CRS,
    )
    with pytest.raises(InfeasibleError, match="at most 99"):
        assign_grid_codes(grids, _communities())
    assert assign_grid_codes(grids, _communities(), layout="db11")["grid_seq"].max() == 100


def test_missing_crs_and_columns_and_layout():
    with pytest.raises(CRSError, match="set_crs"):
        assign_grid_codes(_grids().set_crs(None, allow_override=True), _communities())
    with pytest.raises(ColumnError, match="'code'"):
        assign_grid_codes(_grids(), _communities().drop(columns="code"))
    with pytest.raises(ValueError, match="layout 'gb'"):
        assign_grid_codes(_grids(), _communities(), layout="gb")
    with pytest.raises(ColumnError, match="object_type"):
        assign_grid_codes(_grids(), _communities(), object_type="12")


def test_a_plan_whose_communities_have_bad_codes_says_so_in_chinese_too():
    """The grids are drawn; the report row on the codes is Chinese through and through (the
    Chinese workbook repeats it), naming the row as the English does."""
    import geopandas as gpd
    import shapely

    from spatial.grids.partition import partition_grids

    units = gpd.GeoDataFrame({"unit_id": ["a", "b"], "households": [200, 200]},
                             geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs="EPSG:32650")
    comms = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["4403040010"]},
                             geometry=[shapely.box(0, 0, 200, 100)], crs="EPSG:32650")
    row = partition_grids(units, comms).report.query("problem.str.startswith('grid codes not assigned')")
    assert len(row) == 1 and "'C1': '4403040010'" in row["problem"].iloc[0]
    assert row["problem_zh"].iloc[0] == ("未能赋予网格编码：社区图层的 'code' 列每行都须为12位统计用区划代码；"
                                         "不符的行（社区：代码）：'C1': '4403040010'")


def test_numbers_given_for_the_grids_are_kept_before_the_map_order():
    # an old plan numbered these grids long ago, not west to east: each keeps its number; a grid
    # given a number another grid is given too keeps none, and the rest follow after the largest
    kept = {"g_se": 1, "g_nw": 6, "g_n": 3, "g_ne": 4, "g_sw": 4}
    out = assign_grid_codes(_grids(), _communities(), kept_seq=kept)
    seq = dict(zip(out["grid_id"], out["grid_seq"]))
    assert (seq["g_se"], seq["g_nw"], seq["g_n"]) == (1, 6, 3)
    assert {seq["g_ne"], seq["g_sw"], seq["g_s"]} == {7, 8, 9}  # 4 twice: neither keeps it
    assert out.loc[out["grid_id"] == "g_se", "grid_code"].item().endswith("00100201")


def test_a_given_number_comes_before_another_grids_name():
    # 'C1-02' would keep 2 by its name, but the old plan gave 2 to g_nw: the name's number yields
    grids = _grids()
    grids.loc[grids["grid_id"] == "g_se", "grid_id"] = "C1-02"
    out = assign_grid_codes(grids, _communities(), kept_seq={"g_nw": 2})
    seq = dict(zip(out["grid_id"], out["grid_seq"]))
    assert seq["g_nw"] == 2 and seq["C1-02"] != 2 and len(set(seq.values())) == 6
