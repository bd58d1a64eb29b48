"""Today's changes, met as a district office meets them: whole tables typed without a last line
break refused as 'cut short', an Excel "Unicode 文本" with a comma in an address, and streets with
sidewalks dropped as the 'approach' of a road tunnel."""

from __future__ import annotations

import re

import pytest
from test_outside_left_maps import _osm

import spatial
from spatial import InputFileError
from spatial.io.layers import read_table

STATIONS = "station_id,name,lon,lat,备注\nS1,甲站,114.0583123,22.5431234,新建\n"

# ---------------------------------------------------------------- 1: whole last lines, no line break

WHOLE = {
    # a last household count among counts of varying length: 8 among 120, 35, 200
    "a small last count": "unit_id,lon,lat,households\nU1,114.0583,22.5431,120\nU2,114.0612,22.5471,35\n"
                          "U3,114.0634,22.5491,200\nU4,114.0651,22.5501,8",
    # two counts of three digits say nothing of the third: 85 households is a count
    "a two-digit count": "unit_id,lon,lat,households\nU1,114.0583,22.5431,120\nU2,114.0612,22.5471,340\n"
                         "U3,114.0634,22.5491,85",
    # names vary in length: the last one shorter than the others is a name
    "a short last name": "station_id,lon,lat,name\nS1,114.0583123,22.5431234,梅林一村党群服务站\n"
                         "S2,114.0612345,22.5471234,华富街道党群服务中心\nS3,114.0634567,22.5491234,莲花站",
    # the optional 备注 typed on one row only; the others, as Notepad types them, without its cell
    "备注 left off every row but one": STATIONS + "S2,乙站,114.0612345,22.5471234\nS3,丙站,114.0634567,22.5491234",
    # 备注 written on every row but the last
    "备注 left off the last row": STATIONS + "S2,乙站,114.0612345,22.5471234,改建\nS3,丙站,114.0634567,22.5491234",
    # 备注 empty (a trailing comma) on another row, left off on the last
    "备注 empty elsewhere": STATIONS + "S2,乙站,114.0612345,22.5471234,\nS3,丙站,114.0634567,22.5491234",
    # coordinates as Excel shows them (trailing zeros dropped): lengths vary, the last is whole
    "Excel's dropped zeros": "station_id,name,lat,lon\nS1,甲站,22.5431234,114.058312\nS2,乙站,22.5471234,114.0612345\n"
                             "S3,丙站,22.549123,114.0634567\nS4,丁站,22.549,114.06",
    # a note typed as the last line: one cell, longer than any id
    "a note of the source": "station_id,name,lon,lat\nS1,甲站,114.0583123,22.5431234\nS2,乙站,114.0612345,22.5471234\n"
                            "数据来源：区民政局，2026年11月",
}


@pytest.mark.parametrize("text", WHOLE.values(), ids=WHOLE.keys())
def test_a_whole_last_line_without_a_line_break_reads_as_with_one(tmp_path, text):
    """Tables typed in Notepad or WPS, or copied from a web page, often end without a line break.
    Since today such a file was refused as 'looks cut short ... copy or download the file again'
    whenever its last value was shorter than every other of its column (a count 8 among 120, 35,
    200; the name 莲花站 among longer names), or its last line held fewer cells than the header (a
    备注 left off; a note line): the office had nothing to download again. A file is now read as
    the same file with its last line break."""
    cut, whole = tmp_path / "no_break.csv", tmp_path / "with_break.csv"
    cut.write_text(text, encoding="utf-8")
    whole.write_text(text + "\n", encoding="utf-8")
    expected = read_table(whole)
    got = read_table(cut)
    assert got.columns.tolist() == expected.columns.tolist()
    assert got.astype(str).values.tolist() == expected.astype(str).values.tolist()


@pytest.mark.parametrize("last, why", [
    ("S3,丙站,114.0634567,22.54", r"its last value, '22\.54' in column 'lat', is shorter than every other"),
    ("S3,丙站,114.06", r"holds 3 of the header's 5 cells \(column 'lat' is filled in every other row\)"),
    ("S3,丙站,114.0634567,", r"its last cell \(column 'lat'\) is empty where every other row has a value"),
])
def test_a_line_cut_before_an_optional_column_is_still_refused(tmp_path, last, why):
    """With an optional 备注 left off, the cell the line ends on is the one judged: half a latitude,
    or a latitude missing where every other row has one, is still a line cut short."""
    path = tmp_path / "stations.csv"
    path.write_text(STATIONS + "S2,乙站,114.0612345,22.5471234\n" + last, encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"stations\.csv' looks cut short .*line 4, ends without a line break "
                                             rf"and {why}"):
        read_table(path)


@pytest.mark.parametrize("last, refused", [("3", True), ("0", False), ("12", False), ("85", False), ("120", False)])
def test_a_last_count_is_cut_only_when_under_a_tenth_of_every_other(tmp_path, last, refused):
    """Counts of one length (120, 340, 250): a last count under a tenth of the smallest cannot be one
    of its kind (a cut 2 of 250); 12 (or more) can be a count and is read, and so is 0 (a building
    empty for now), which starts no count."""
    path = tmp_path / "units.csv"
    path.write_text("unit_id,households\nU1,120\nU2,340\nU3,250\nU4," + last, encoding="utf-8")
    if refused:
        with pytest.raises(InputFileError, match=rf"line 5.*'{last}' in column 'households'.*such as '120'"):
            read_table(path)
    else:
        assert read_table(path)["households"].tolist() == [120, 340, 250, int(last)]


def test_a_word_in_a_column_of_codes_is_no_cut_code(tmp_path):
    """'无' (none) last in a column of 12-digit grid codes is not the start of a code."""
    path = tmp_path / "plan.csv"
    path.write_text("unit_id,grid_code\nU1,440304001001\nU2,440304001002\nU3,无", encoding="utf-8")
    assert read_table(path)["grid_code"].tolist() == ["440304001001", "440304001002", "无"]


# ---------------------------------------------------------------- 2: Excel's Unicode text, named .csv

def test_unicode_text_named_csv_with_a_comma_in_an_address_is_read_by_its_tabs(tmp_path):
    """Excel's 另存为 "Unicode 文本" (tabs), named .csv, was read by commas as soon as one address held
    a comma (福田区,梅林街道): the header was taken for a title and the read refused with 'no
    longitude column ... it has: S1	福田区, 梅林街道	114.0583123 ...'."""
    path = tmp_path / "stations.csv"
    path.write_text("编号\t地址\t经度\t纬度\nS1\t福田区,梅林街道\t114.0583123\t22.5431234\n"
                    "S2\t福田区华富街道\t114.0612345\t22.5471234\n", encoding="utf-16")
    points = spatial.read_points_table(path)
    assert points["地址"].tolist() == ["福田区,梅林街道", "福田区华富街道"]
    assert points.geometry.x.tolist() == [114.0583123, 114.0612345]
    # a comma table whose names hold a tab somewhere stays a comma table
    path.write_text("id,name,lon,lat\nS1,甲\t站,114.05,22.54\nS2,乙站,114.06,22.55\n", encoding="utf-8")
    assert read_table(path)["name"].tolist() == ["甲\t站", "乙站"]


# ---------------------------------------------------------------- 3: a road tunnel's approaches

# a junction at 1; a road east from it to a tunnel's mouth at 5 (x = 650); 辅路, a side street 20 m
# north of the road from x = 250 (1 -> 7 -> 8), as ramps have their street beside them
NODES = {1: (0, 0), 2: (0, 300), 3: (-300, 0), 4: (300, 0), 5: (650, 0), 6: (900, 0), 7: (250, 20), 8: (700, 20)}
STREETS_M = 600 + (250 ** 2 + 20 ** 2) ** 0.5 + 450  # the cross street and 辅路


def _read(tmp_path, ways, beside=True):
    from spatial import read_network

    side = [(14, [1, 7, 8], {"highway": "residential", "name": "辅路"})] if beside else []
    _osm(tmp_path / "t.osm", NODES, [(10, [2, 1, 3], {"highway": "residential"}), *side, *ways,
                                      (13, [5, 6], {"highway": "primary", "tunnel": "yes", "name": "山前隧道"})])
    net = read_network(tmp_path / "t.osm")
    return net, net.report.loc[net.report["row_id"] == "tunnel approach", "problem"].tolist()


@pytest.mark.parametrize("tags", [{"sidewalk": "both"}, {"sidewalk:right": "yes"}, {"foot": "designated"}],
                         ids=["sidewalk=both", "sidewalk:right=yes", "foot=designated"])
def test_a_street_with_sidewalks_up_to_a_tunnel_mouth_is_kept(tmp_path, tags):
    """A primary road with its sidewalks tagged, from a junction up to where it enters a tunnel
    (under a hill, a railway), was dropped as the tunnel's 'approach' with the tunnel (its last
    350 m here): the homes along it lost their street. A road tagged for people on foot is a
    street, not a ramp."""
    net, rows = _read(tmp_path, [(11, [1, 4], {"highway": "primary", "name": "山前路", **tags}),
                                 (12, [4, 5], {"highway": "primary", "name": "山前路", **tags})])
    assert rows == [] and net.length_m.sum() == pytest.approx(STREETS_M + 650, abs=0.5)


def test_a_road_of_one_edge_longer_than_an_approach_is_kept_whole(tmp_path):
    """The approach goes no farther than 400 m from the mouth, but the first edge was dropped
    whatever its length: a road of one way, 650 m from its junction to the tunnel with no junction
    between, was dropped whole (report: 'tunnel approach: 1 edge, 0.650 km')."""
    net, rows = _read(tmp_path, [(11, [1, 4, 5], {"highway": "secondary", "name": "复兴东路"})])
    assert rows == [] and net.length_m.sum() == pytest.approx(STREETS_M + 650, abs=0.5)


def test_a_road_with_no_street_beside_it_is_the_street_up_to_the_mouth(tmp_path):
    """A ramp is dropped because its street runs beside it, nearer the homes (Huangpu's: 21 m at
    most). A road into a tunnel with nothing beside it (under a hill, as in Shenzhen or Chongqing)
    is the street there, untagged as most roads in Chinese cities are: its last 350 m were dropped
    and the homes along it lost their street."""
    net, rows = _read(tmp_path, [(11, [1, 4], {"highway": "primary", "name": "山前路"}),
                                 (12, [4, 5], {"highway": "primary", "name": "山前路"})], beside=False)
    assert rows == [] and net.length_m.sum() == pytest.approx(600 + 650, abs=0.5)


def test_a_ramp_without_sidewalks_beside_its_street_still_goes_with_its_tunnel(tmp_path):
    """The rule as it was for the ramps it was made for: 350 m of road for cars, no sidewalk, 辅路
    beside it, down to the tunnel's mouth from its junction, in two ways."""
    net, rows = _read(tmp_path, [(11, [1, 4], {"highway": "primary", "name": "山前路", "sidewalk": "no"}),
                                 (12, [4, 5], {"highway": "primary", "name": "山前路"})])
    assert net.length_m.sum() == pytest.approx(STREETS_M + 300, abs=0.5)
    assert len(rows) == 1 and rows[0].startswith("tunnel approach: 1 edge, 0.350 km") and "山前路" in rows[0]


# ---------------------------------------------------------------- 4: what an official reads

def test_a_gcj02_hint_not_clear_cut_says_how_far_off_in_metres(tmp_path):
    """Twelve of the demo's stations moved to GCJ-02 and read as WGS-84: the hint said "(moved as far
    to another bearing they lie only 1.7 times as far off: not clear-cut, check one on a map
    first)", which a district office cannot parse. It now gives both distances in metres."""
    import geopandas as gpd

    from spatial.coverage._shift import shift_hint
    from spatial.io.coords import convert

    paths = spatial.demo_paths()
    net = spatial.read_network(paths["network"])
    stations = gpd.read_file(paths["layers"], layer="stations").to_crs(4326).iloc[:12]
    lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source="wgs84",
                       target="gcj02")
    hint = shift_hint(stations.set_geometry(gpd.points_from_xy(lon, lat), crs=4326), net, name="stations")
    assert hint is not None and "they may be gcj02 numbers labelled WGS-84" in hint
    assert re.search(r"\(not clear-cut: read so they lie \d+ m from the streets on average, and \d+ m if moved as "
                     r"far in another direction; check one on a map first\)", hint), hint
    assert "bearing" not in hint and "times as far" not in hint


def test_a_gap_without_households_is_not_said_to_need_a_station(tmp_path):
    """On the demo's coverage map and KMZ, 7 of 42 gaps beyond 15 minutes (G036-G042) hold units of
    0 households; coverage_gaps leaves them unranked, the workbook ranks 'service gaps by
    households', but the popup and the placemark said 距站点过远：需新站 (a station is needed) over
    户数 0. They now say no station is needed; ranked gaps as before. Since 8 December 2026 the KMZ
    leaves such a gap out (no placemark: no gap where nobody lives); the popup words stay for the sheet."""
    import zipfile

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from spatial.maps._data import GAP_FIELDS, popup_props
    from spatial.maps.kmz import results_kmz

    gaps = gpd.GeoDataFrame({"gap_id": ["G001", "G002", "N001"], "rank": pd.array([1, None, None], dtype="Int64"),
                             "cause": ["service", "service", "no mapped path"], "households": [120, 0, 30],
                             "population": [300, 0, 80]},
                            geometry=[Point(114.05, 22.54).buffer(0.001), Point(114.06, 22.54).buffer(0.001),
                                      Point(114.07, 22.54).buffer(0.001)], crs=4326)
    props, _ = popup_props(gaps, GAP_FIELDS, "zh")
    assert props["cause"] == ["距站点过远：需新站", "距站点过远：无住户，不需新站", "缺少路网数据：先补图"]
    props, _ = popup_props(gaps, GAP_FIELDS, "en")
    assert props["cause"][1] == "too far from any station: no households, no station needed"
    path = results_kmz(tmp_path / "gaps.kmz", {"gaps": gaps})
    with zipfile.ZipFile(path) as z:
        kml = z.read("doc.kml").decode("utf-8")
    assert kml.count("距站点过远：需新站") == 2 and kml.count("距站点过远：无住户，不需新站") == 0  # description, data
    assert kml.count("<Placemark") == 2  # G001 and N001
