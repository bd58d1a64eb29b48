"""Links from homes onto bridges, boardwalks and rivers of a walking network (an outside review, third pass).

1. A bridge was linked to from beside its deck anywhere up to the water it crossed first, however
   far on: a home beside a 430 m viaduct over dry ground was linked 8 m up onto its deck. A bridge
   way starts at its abutments (OSM splits the way where the structure begins), on the bank: the
   deck is now linked to up to the water only when the water lies within 100 m of the end
   (``BRIDGE_BANK_M``), else within 10 m of its ends, as any bridge.
2. ``bridge=boardwalk`` counted as a bridge: a home beside a park's boardwalk, a plank walkway at
   the ground's or the water's level, was linked to it only near its ends, and a boardwalk ending
   on a footway of a line layer was not joined to it (another level). It is a path now.
3. A river mapped by its centre line alone had no width: a bridge over it was linked to from its
   end up to the centre line, and a home on the bank beside a skew bridge was linked straight over
   the water onto the middle of its deck. The river's banks are drawn at half its ``width`` tag (else
   20 m for a river, 10 m for a canal) as shorelines.

Every expected answer is worked out here by hand from the coordinates, never from the package's
network objects.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from spatial import read_network, walking_coverage
from test_outside_huangpu import UTM, X0, Y0, _osm_xml

BANDS = [100, 500, 2000]
R2 = math.sqrt(2)


def _xy(x: float, y: float) -> tuple[float, float]:
    return X0 + x, Y0 + y


def _homes(*points: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": [f"h{i}" for i in range(len(points))], "households": [10] * len(points)},
                            geometry=[Point(_xy(*p)) for p in points], crs=UTM)


def _station(x: float, y: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(_xy(x, y))], crs=UTM)


# ------------------------------------------------------------------ 1. a viaduct over dry ground first

#: 西路 along x = 0 and 东路 along x = 550 (y = -100 to 100), joined along y = 0 by a road on a
#: viaduct from (0, 0) to (550, 0); the river between x = 430 and x = 470 (its area, or its centre
#: line at x = 450 tagged width=40). The station on 东路 at (550, 60).
def _viaduct_town(path: Path, water: str) -> Path:
    nodes = {1: _xy(0, -100), 2: _xy(0, 0), 3: _xy(0, 100), 4: _xy(550, 0), 5: _xy(550, -100), 6: _xy(550, 100),
             11: _xy(430, -300), 12: _xy(470, -300), 13: _xy(470, 300), 14: _xy(430, 300),
             21: _xy(450, -300), 22: _xy(450, 300)}
    ways = [(1, [1, 2, 3], {"highway": "residential", "name": "西路"}),
            (2, [5, 4, 6], {"highway": "residential", "name": "东路"}),
            (3, [2, 4], {"highway": "residential", "bridge": "viaduct", "layer": "1", "name": "高架桥"})]
    if water == "area":
        ways.append((4, [11, 12, 13, 14, 11], {"natural": "water", "water": "river"}))
    else:
        ways.append((4, [21, 22], {"waterway": "river", "width": "40"}))
    _osm_xml(path, nodes, ways)
    return path


@pytest.mark.parametrize("water", ["area", "river width=40"])
def test_a_home_beside_a_viaduct_over_dry_ground_is_not_linked_up_onto_its_deck(tmp_path, water):
    # the home (200, 8), 8 m beside the viaduct 200 m from its west end, the water 430 m from it:
    # was linked 8 m onto the deck and walked 8 + 350 + 60 = 418 m. Now the deck is reached within
    # 10 m of its west end: a leg to (10, 0), 190.2 m, more than 100 m from any walkway, so an
    # estimated walk (the leg × 1.25), then 540 m over the viaduct and 60 m up 东路.
    # The home (520, 8) on the east bank, 80 m from the east end and 50 m from the water, steps
    # onto the deck beside it as before: 8 + 30 + 60 = 98 m.
    net = read_network(_viaduct_town(tmp_path / "t.osm", water))
    out = walking_coverage(_homes((200, 8), (520, 8)), _station(550, 60), net, meters=BANDS)
    leg = math.hypot(190, 8)
    np.testing.assert_allclose(out["off_network_m"], [leg, 8], atol=0.05)
    np.testing.assert_allclose(out["walk_m"], [1.25 * leg + 540 + 60, 98], atol=0.05)
    assert out["access"].tolist() == ["estimated", "network"]


# ------------------------------------------------------------------ 2. boardwalks at the ground's level


def test_a_home_beside_a_park_boardwalk_steps_onto_it_from_beside_it():
    # tests/test_linking.py's block crossed by a 200 m boardwalk from (200, 0) to (200, 200), the
    # station at its north end. The home (205, 40) was linked within 10 m of its south end:
    # sqrt(5² + 30²) + 190 m. A boardwalk is at the ground's level: 5 m beside it, 160 m along it.
    from test_linking import BANDS as LINK_BANDS
    from test_linking import block, one

    net = read_network(block("bridge", "boardwalk"))
    assert not net.off_ground.any()  # nor walked on the straight line between its ends on a slope
    cov = walking_coverage(one(205, 40, households=[20]), one(200, 200, station_id=["北站"]), net,
                           meters=LINK_BANDS)
    assert cov["off_network_m"].iloc[0] == pytest.approx(5)
    assert cov["walk_m"].iloc[0] == pytest.approx(165)
    # its edges written as a line layer say so, and read again walk the same
    from spatial import edges_frame

    edges = edges_frame(net)
    assert edges["bridge"].tolist().count("boardwalk") == 1
    again = walking_coverage(one(205, 40, households=[20]), one(200, 200, station_id=["北站"]), read_network(edges),
                             meters=LINK_BANDS)
    assert again["walk_m"].iloc[0] == pytest.approx(165)


def test_a_boardwalk_ending_on_a_footway_of_a_line_layer_is_joined_to_it():
    # a footway from (0, 0) to (200, 0) and a boardwalk from (100, 0) north to (100, 150), its end
    # lying on the footway between the footway's vertices, as a GIS layer draws it. It was left
    # apart (on another level, as a bridge over the footway) and dropped as a disconnected part:
    # the home at its far end walked 150 m over unmapped ground to the footway (an estimated walk,
    # 1.25 × 150 + 105 + 5 = 297.5 m). Joined: 5 + 150 + 100 + 5 = 260 m along the boardwalk.
    from test_linking import UTM as LINK_UTM
    from test_linking import line, one

    lines = gpd.GeoDataFrame({"highway": ["footway", "footway"], "bridge": ["", "boardwalk"]},
                             geometry=[line((0, 0), (200, 0)), line((100, 0), (100, 150))], crs=LINK_UTM)
    net = read_network(lines)
    assert net.length_m.sum() == pytest.approx(350) and "levels" not in net.report["row_id"].tolist()
    cov = walking_coverage(one(105, 150, households=[10]), one(0, 5, station_id=["S"]), net, meters=[100, 500])
    assert cov["access"].iloc[0] == "network"
    assert cov["walk_m"].iloc[0] == pytest.approx(260)


# ------------------------------------------------------------------ 3. a river mapped by its centre line

#: A river along y = 0 (x = -300 to 300), crossed by a skew footbridge from (-60, -60) to (60, 60);
#: 南路 from (-200, -60) to the bridge's south end, 北路 from its north end to (200, 60), the
#: station on 北路 at (100, 60). ``water``: its centre line with width=80 (banks at y = ±40), its
#: area between those banks, or its centre line alone.
def _skew_town(path: Path, water: str) -> Path:
    nodes = {1: _xy(-200, -60), 2: _xy(-60, -60), 5: _xy(60, 60), 6: _xy(200, 60),
             11: _xy(-300, -40), 12: _xy(300, -40), 13: _xy(300, 40), 14: _xy(-300, 40),
             21: _xy(-300, 0), 22: _xy(300, 0)}
    ways = [(1, [1, 2], {"highway": "residential", "name": "南路"}),
            (2, [5, 6], {"highway": "residential", "name": "北路"}),
            (3, [2, 5], {"highway": "footway", "bridge": "yes", "layer": "1"})]
    if water == "area":
        ways.append((4, [11, 12, 13, 14, 11], {"natural": "water"}))
    elif water == "width=80":
        ways.append((4, [21, 22], {"waterway": "river", "width": "80 m"}))
    else:
        ways.append((4, [21, 22], {"waterway": "river"}))
    _osm_xml(path, nodes, ways)
    return path


@pytest.mark.parametrize("water, bank_y", [("width=80", -40), ("area", -40), ("centre line", -10)])
def test_a_home_on_the_bank_is_not_linked_over_the_water_onto_a_skew_bridge(tmp_path, water, bank_y):
    # the home (30, -45) on the south bank: the nearest point of the deck, (-7.5, -7.5), is 53.0 m
    # off over the water. With the centre line tagged width=80 it was linked there (the deck was
    # linked to up to the centre line); now, as with the river's area mapped, up to the bank at
    # (-40, -40): a leg of sqrt(70² + 5²) m, then 100·√2 m over the bridge and 40 m along 北路.
    # Untagged, the banks are drawn 10 m off the centre line (a river 20 m wide).
    net = read_network(_skew_town(tmp_path / "t.osm", water))
    out = walking_coverage(_homes((30, -45)), _station(100, 60), net, meters=BANDS)
    foot = (bank_y, bank_y)  # where the bridge (y = x) meets the bank
    leg = math.hypot(30 - foot[0], -45 - foot[1])
    assert out["off_network_m"].iloc[0] == pytest.approx(leg, abs=0.05)
    assert out["walk_m"].iloc[0] == pytest.approx(leg + math.hypot(60 - foot[0], 60 - foot[1]) + 40, abs=0.05)


def test_the_report_says_where_banks_were_drawn_and_at_what_width(tmp_path):
    net = read_network(_skew_town(tmp_path / "t.osm", "centre line"))
    row = net.report.loc[net.report["row_id"] == "river banks", "problem"]
    assert row.tolist() == ["river banks: 1.200 km drawn at half the width of the river and canal lines with no water "
                            "area mapped round them (their width tag, else 20 m for a river, 10 m for a canal)"]
    area = read_network(_skew_town(tmp_path / "a.osm", "area"))
    assert not (area.report["row_id"] == "river banks").any()


def test_banks_are_drawn_only_where_no_water_area_is_mapped_round_the_centre_line():
    from spatial.network._water import river_banks

    river = np.array([shapely.LineString([(0, 0), (100, 0)])], dtype=object)
    # a pond's outline round the first half of it: banks along the second half only, 15 m off it
    pond = np.array([shapely.LineString([(-10, -30), (50, -30), (50, 30), (-10, 30), (-10, -30)])], dtype=object)
    banks = river_banks(river, np.array([15.0]), pond)
    got = sorted((round(b.bounds[0], 6), round(b.bounds[1], 6), round(b.bounds[2], 6), round(b.bounds[3], 6))
                 for b in banks)
    assert got == [(50.0, -15.0, 100.0, -15.0), (50.0, 15.0, 100.0, 15.0)]
    assert len(river_banks(river, np.array([15.0]), np.empty(0, object))) == 2


def test_a_width_tag_is_read_in_metres_or_feet_and_nonsense_is_the_default():
    from spatial.network._water import water_width_m

    got = [water_width_m({"width": w}) for w in ("40", "40 m", "40m", "131 ft", "12,5", "~30", "", "-5", "99999")]
    np.testing.assert_allclose(got, [40, 40, 40, 131 * 0.3048, 12.5, np.nan, np.nan, np.nan, np.nan])
    assert math.isnan(water_width_m({}))
    assert pd.isna(water_width_m({"width": None}))


def test_a_province_run_s_edge_file_keeps_the_banks(tmp_path):
    # the Dask parts read the network from a GeoParquet edge file: the banks go with the water, so
    # the home on the bank is linked up to the bank there too (sqrt(70² + 5²) m), not over the water
    from spatial.project._split import build_network, edge_arrays, write_edges

    net = read_network(_skew_town(tmp_path / "t.osm", "width=80"))
    write_edges(net, tmp_path / "edges.parquet")
    part = build_network(edge_arrays(str(tmp_path / "edges.parquet"), None))
    out = walking_coverage(_homes((30, -45)), _station(100, 60), part, meters=BANDS)
    assert out["off_network_m"].iloc[0] == pytest.approx(math.hypot(70, 5), abs=0.05)


@pytest.mark.parametrize("bridge", ["boardwalk", "yes"])
def test_a_boardwalk_out_over_a_lake_is_not_linked_to_from_across_the_water(tmp_path, bridge):
    # a lake from x = 0 to 200, y = 0 to 100; 南路 along y = -50, a boardwalk from it at (100, -50)
    # north 110 m out into the lake to (100, 60). The home (150, 112) on the north shore, beside no
    # street: the boardwalk's end is 70.7 m off over the water. A boardwalk is linked to from
    # beside it on the land, up to the water, not across it: the home's nearest line is then the
    # boardwalk at the shore (100, 0), 112 m straight over the lake, refused, and 南路 lies across
    # the lake too: it is cut off. The home (130, -20) south of the lake steps 30 m onto it. A
    # bridge out to a pavilion in the lake is the same: it was linked to from its end in the water.
    nodes = {1: _xy(-100, -50), 2: _xy(100, -50), 3: _xy(300, -50), 4: _xy(100, 60),
             11: _xy(0, 0), 12: _xy(200, 0), 13: _xy(200, 100), 14: _xy(0, 100)}
    _osm_xml(tmp_path / "t.osm", nodes, [
        (1, [1, 2, 3], {"highway": "residential", "name": "南路"}),
        (2, [2, 4], {"highway": "footway", "bridge": bridge}),
        (3, [11, 12, 13, 14, 11], {"natural": "water"})])
    net = read_network(tmp_path / "t.osm")
    out = walking_coverage(_homes((150, 112), (130, -20)), _station(100, -50), net, meters=[100, 500],
                           max_off_network_m=300)
    assert out["access"].tolist() == ["unreachable", "network"]
    assert out["off_network_m"].iloc[1] == pytest.approx(30, abs=0.05)
    assert out["walk_m"].iloc[1] == pytest.approx(60, abs=0.05)
