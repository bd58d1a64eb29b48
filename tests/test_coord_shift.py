"""Points labelled WGS-84 that are really GCJ-02 (Amap/Tencent) or BD-09 (Baidu) numbers are named,
with how to read them, and read right once said; true WGS-84 points and projected layers say
nothing. The demo's real Futian network (OSM) and its stations and units; the shifts are made with
spatial.io.coords, itself checked against prcoords' formulas in test_coords.py."""

from __future__ import annotations

import logging

import geopandas as gpd
import pytest

import spatial
from spatial.cli import main
from spatial.coverage._shift import shift_hint


@pytest.fixture(scope="module")
def demo():
    return spatial.load_demo()


@pytest.mark.parametrize("system, label", [("gcj02", "GCJ-02 (Amap/Tencent)"), ("bd09", "BD-09 (Baidu)")])
def test_shifted_stations_and_units_are_named_with_their_system(demo, system, label):
    for name, layer in (("stations", demo["stations"]), ("demand", demo["units"].to_crs(4326))):
        hint = shift_hint(spatial.from_wgs84(layer, system), demo["network"], name=name)
        assert hint is not None and f"read as {label}" in hint and f"--{name}-coord-sys {system}" in hint


def test_true_wgs84_and_projected_layers_say_nothing(demo):
    net = demo["network"]
    assert shift_hint(demo["stations"], net, name="stations") is None
    assert shift_hint(demo["units"].to_crs(4326), net, name="demand") is None
    assert shift_hint(demo["stations"].to_crs(32650), net, name="stations") is None
    assert shift_hint(demo["units"], net, name="demand") is None


def test_amap_numbers_projected_to_utm_keep_their_shift_and_are_found(demo):
    """Amap numbers labelled WGS-84 and then projected (to UTM, or to CGCS2000's Gauss-Kruger
    zone) are as far off their streets in metres: the check reads them through lon/lat, and
    to_wgs84 moves them back in their own CRS."""
    moved = spatial.from_wgs84(demo["stations"], "gcj02")
    for crs in (32650, 4547):  # UTM 50N; CGCS2000 / 3-degree Gauss-Kruger CM 114E
        hint = shift_hint(moved.to_crs(crs), demo["network"], name="stations")
        assert hint is not None and "read as GCJ-02" in hint
        back = spatial.to_wgs84(moved.to_crs(crs), "gcj02")
        assert float(back.distance(demo["stations"].to_crs(crs)).max()) < 0.01


def test_walking_coverage_warns_and_a_far_shift_is_the_error_s_reason(demo, caplog):
    picked = spatial.from_wgs84(demo["stations"], "gcj02")
    with caplog.at_level(logging.WARNING, logger="spatial.coverage.walks"):
        spatial.walking_coverage(demo["units"], picked, demo["network"])
    assert "look like gcj02 numbers labelled WGS-84" in caplog.text
    # stations Baidu moved off every street: none snaps, and the error says why
    from spatial.network.snapping import layer_xy, snap_points

    baidu = spatial.from_wgs84(demo["stations"], "bd09")
    leg = snap_points(demo["network"], layer_xy(baidu, demo["network"], name="s"), max_snap_m=3000).leg_m
    far = baidu[leg > 350]  # beyond an estimated walk's 300 m too (stations are walked to as homes are)
    assert len(far) >= 3
    with pytest.raises(spatial.NetworkError, match="no station lies within 300 m.*(look like|may be) bd09 numbers"):
        spatial.walking_coverage(demo["units"], far, demo["network"])


def test_cli_reads_amap_stations_right_when_told(demo, tmp_path, capsys):
    paths = spatial.demo_paths()
    units = tmp_path / "units.gpkg"
    demo["units"].to_file(units)
    amap = tmp_path / "amap.gpkg"
    spatial.from_wgs84(demo["stations"], "gcj02").to_file(amap)
    demo["stations"].to_file(tmp_path / "true.gpkg")
    assert main(["coverage", str(paths["network"]), str(tmp_path / "true.gpkg"), str(units),
                 "--out", str(tmp_path / "a.gpkg")]) == 0
    capsys.readouterr()
    assert main(["coverage", str(paths["network"]), str(amap), str(units), "--out", str(tmp_path / "b.gpkg")]) == 0
    said = capsys.readouterr()
    assert "--stations-coord-sys gcj02" in said.err
    assert main(["coverage", str(paths["network"]), str(amap), str(units), "--out", str(tmp_path / "c.gpkg"),
                 "--stations-coord-sys", "gcj02"]) == 0
    assert "coord-sys" not in capsys.readouterr().err
    truth = gpd.read_file(tmp_path / "a.gpkg", layer="demand")
    told = gpd.read_file(tmp_path / "c.gpkg", layer="demand")
    wrong = gpd.read_file(tmp_path / "b.gpkg", layer="demand")
    assert (told["band"] == truth["band"]).all()                           # told: the true walks
    assert (told["walk_m"] - truth["walk_m"]).abs().max() < 1.0
    assert (wrong["band"] != truth["band"]).mean() > 0.05                  # untold: a different map
    assert main(["coverage", str(paths["network"]), str(amap), str(units), "--out", str(tmp_path / "d.gpkg"),
                 "--stations-coord-sys", "mars"]) == 2
    assert "unknown coordinate system 'mars'" in capsys.readouterr().err


def test_the_hint_is_in_the_report_layer_an_official_reads(demo, tmp_path):
    # was: said on the console only; the report layer (and the workbook's sheet of it) that an
    # official opens later said nothing of stations picked off Amap
    paths = spatial.demo_paths()
    units, amap = tmp_path / "units.gpkg", tmp_path / "amap.gpkg"
    demo["units"].to_file(units)
    spatial.from_wgs84(demo["stations"], "gcj02").to_file(amap)
    assert main(["coverage", str(paths["network"]), str(amap), str(units), "--out", str(tmp_path / "b.gpkg")]) == 0
    report = gpd.read_file(tmp_path / "b.gpkg", layer="report")
    rows = report[report["problem"].str.contains("gcj02 numbers labelled WGS-84", regex=False)]
    assert rows["layer"].tolist() == ["stations"]
    assert "--stations-coord-sys gcj02" in rows["problem"].iloc[0] and "map" in rows["action"].iloc[0]
    # in Python too, with the Chinese the workbook's sheet carries
    from spatial.core.checks import Report
    from spatial.coverage.walks import report_reasons

    scored = spatial.walking_coverage(demo["units"], spatial.from_wgs84(demo["stations"], "gcj02"), demo["network"])
    zh = report_reasons(Report(), scored, "demand").to_frame(zh_columns=True)
    zh = zh[zh["layer"] == "stations"]
    assert len(zh) == 1 and "GCJ-02" in zh["problem_zh"].iloc[0] and "核对" in zh["action_zh"].iloc[0]
    assert main(["coverage", str(paths["network"]), str(amap), str(units), "--out", str(tmp_path / "c.gpkg"),
                 "--stations-coord-sys", "gcj02"]) == 0
    told = gpd.read_file(tmp_path / "c.gpkg", layer="report")
    assert not told["problem"].str.contains("labelled WGS-84", regex=False).any()
