"""The command line on the files planners really have: every bad input, option or fault ends in
one line on stderr naming the culprit, exit 2 (130 for Ctrl-C), no traceback, and nothing at the
output path (an earlier output is left as it was)."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import GeometryCollection, LineString, Point, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _units(households=None, n=8, **extra):
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)][:n]
    data = {"unit_id": [f"U{k}" for k in range(n)], "community_id": ["C1"] * n,
            "households": households if households is not None else [100] * n, **extra}
    return gpd.GeoDataFrame(data, geometry=cells, crs=UTM)


@pytest.fixture(scope="module")
def f(tmp_path_factory) -> dict[str, Path]:
    """Good and bad input files, made once."""
    d = tmp_path_factory.mktemp("inputs")
    p = {}
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    p["comm"] = d / "communities.gpkg"
    comm.to_file(p["comm"])
    p["units"] = d / "units.gpkg"
    _units().to_file(p["units"])
    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    p["net"] = d / "roads.gpkg"
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(p["net"])
    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": ["甲", "乙"]},
                                geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 150)], crs=UTM)
    p["stations"] = d / "stations.gpkg"
    stations.to_file(p["stations"])
    p["layers"] = d / "all.gpkg"  # one GeoPackage holding every layer
    for name, gdf in (("communities", comm), ("units", _units()), ("stations", stations)):
        gdf.to_file(p["layers"], layer=name)
    for name, hh in (("inf", float("inf")), ("huge", 1e12), ("neg", -5.0)):
        p[f"units_{name}"] = d / f"units_{name}.gpkg"
        _units([100.0] * 7 + [hh]).to_file(p[f"units_{name}"])
    p["units_text_hh"] = d / "units_text_hh.gpkg"
    _units(["100"] * 7 + ["很多"]).to_file(p["units_text_hh"])
    p["units_dup"] = d / "units_dup.gpkg"
    _units().assign(unit_id=["U0"] * 8).to_file(p["units_dup"])
    p["units_empty_layer"] = d / "units_empty_layer.gpkg"
    _units().iloc[:0].to_file(p["units_empty_layer"])
    p["units_collection"] = d / "units_collection.gpkg"
    u = _units()
    u.loc[3, "geometry"] = GeometryCollection([box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200), Point(X0, Y0)])
    u.to_file(p["units_collection"])
    p["units_zh"] = d / "units_zh.gpkg"
    _units().rename(columns={"unit_id": "编号", "households": "户数"}).to_file(p["units_zh"])
    p["units_nocrs"] = d / "units_nocrs.geojson"
    p["units_nocrs"].write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    p["empty_gpkg"] = d / "empty.gpkg"
    p["empty_gpkg"].write_bytes(b"")
    p["binary_gpkg"] = d / "binary.gpkg"
    p["binary_gpkg"].write_bytes(bytes(range(256)) * 40)
    p["text_gpkg"] = d / "text.gpkg"
    p["text_gpkg"].write_text("this is not a GeoPackage\n", encoding="utf-8")
    p["half_gpkg"] = d / "half.gpkg"
    p["half_gpkg"].write_bytes(p["units"].read_bytes()[:3000])
    p["empty_csv"] = d / "empty.csv"
    p["empty_csv"].write_bytes(b"")
    p["binary_csv"] = d / "binary.csv"
    p["binary_csv"].write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    p["nocoords_csv"] = d / "nocoords.csv"
    p["nocoords_csv"].write_text("station_id,name\nS1,甲\n", encoding="utf-8")
    p["range_csv"] = d / "range.csv"
    p["range_csv"].write_text("station_id,lon,lat\nS1,114.05,22.54\nS2,914.0,22.5\n", encoding="utf-8")
    p["dup_csv"] = d / "dup.csv"
    p["dup_csv"].write_text("station_id,lon,lat\nS1,114.05,22.54\nS1,114.06,22.55\n", encoding="utf-8")
    p["gbk_plan_csv"] = d / "plan_gbk.csv"
    p["gbk_plan_csv"].write_bytes("编号,网格\nU0,甲\n".encode("gbk"))
    p["bad_graphml"] = d / "net.graphml"
    p["bad_graphml"].write_text("<graphml><graph><node id='1'/>", encoding="utf-8")
    p["txt"] = d / "notes.txt.bin"
    p["txt"].write_text("hello", encoding="utf-8")
    p["a_file"] = d / "a_file"
    p["a_file"].write_text("x", encoding="utf-8")
    p["grids_a"] = d / "grids_a.gpkg"
    gpd.GeoDataFrame({"grid_id": ["A1", "A2"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200),
                     box(X0 + 200, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(p["grids_a"])
    islet = lines + [LineString([(X0 + 3000, Y0), (X0 + 3100, Y0)]), LineString([(X0 + 3100, Y0), (X0 + 3100, Y0 + 80)])]
    p["net_islet"] = d / "roads_islet.gpkg"  # the grid of streets and a small separate piece far off
    gpd.GeoDataFrame({"highway": ["footway"] * len(islet)}, geometry=islet, crs=UTM).to_file(p["net_islet"])
    p["stations_islet"] = d / "stations_islet.gpkg"
    gpd.GeoDataFrame({"station_id": ["S9"]}, geometry=[Point(X0 + 3050, Y0 + 5)], crs=UTM).to_file(p["stations_islet"])
    p["map_html"] = d / "map.html"
    p["map_html"].write_text("<html></html>", encoding="utf-8")
    return p


def _project(d: Path, f: dict, extra: str = "", units: str | None = None) -> Path:
    units = units or f'{{ path = "{f["units"].as_posix()}" }}'
    text = (f'[project]\nname = "t"\noutput = "out"\n[inputs]\n'
            f'communities = "{f["comm"].as_posix()}"\nunits = {units}\n'
            "[outputs]\nmaps = false\nworkbook = false\npng = false\n" + extra)
    path = d / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _toml(d: Path, f: dict, text: str, encoding: str = "utf-8") -> Path:
    path = d / "p.toml"
    path.write_bytes(text.replace("COMM", f["comm"].as_posix()).replace("UNITS", f["units"].as_posix())
                     .encode(encoding))
    return path


GOOD = "[project]\nname = \"测试\"\n[inputs]\ncommunities = \"COMM\"\nunits = \"UNITS\"\n"

# id -> (argv builder(f, out, tmp), pattern the one line must match)
CASES = {
    # ---- grids: files
    "grids-binary-gpkg": (lambda f, o, t: ["grids", f["binary_gpkg"], f["units"], "--out", o], r"binary\.gpkg.*not a GeoPackage"),
    "grids-empty-gpkg": (lambda f, o, t: ["grids", f["comm"], f["empty_gpkg"], "--out", o], r"empty\.gpkg.*empty \(0 bytes\)"),
    "grids-text-gpkg": (lambda f, o, t: ["grids", f["text_gpkg"], f["units"], "--out", o], r"text\.gpkg.*not a GeoPackage"),
    "grids-cut-gpkg": (lambda f, o, t: ["grids", f["comm"], f["half_gpkg"], "--out", o], r"half\.gpkg"),
    "grids-missing-file": (lambda f, o, t: ["grids", t / "nope.gpkg", f["units"], "--out", o], r"COMMUNITIES '.*nope\.gpkg' does not exist"),
    "grids-missing-layer": (lambda f, o, t: ["grids", f["comm"], f"{f['layers']}:nolayer", "--out", o], r"all\.gpkg.* has no layer 'nolayer'"),
    "grids-empty-layer": (lambda f, o, t: ["grids", f["comm"], f["units_empty_layer"], "--out", o], r"units_empty_layer\.gpkg.*has no rows"),
    "grids-units-folder": (lambda f, o, t: ["grids", f["comm"], t, "--out", o], r"UNITS '.*' is a folder"),
    "grids-units-suffix": (lambda f, o, t: ["grids", f["comm"], f["txt"], "--out", o], r"UNITS '.*notes\.txt\.bin'.*cannot read '\.bin'"),
    "grids-hh-inf": (lambda f, o, t: ["grids", f["comm"], f["units_inf"], "--out", o], r"'households'.*finite.*U7=inf"),
    "grids-hh-huge": (lambda f, o, t: ["grids", f["comm"], f["units_huge"], "--out", o], r"'households' holds more than 1,000,000.*U7"),
    "grids-hh-negative": (lambda f, o, t: ["grids", f["comm"], f["units_neg"], "--out", o], r"'households'.*>= 0.*U7=-5"),
    "grids-hh-text": (lambda f, o, t: ["grids", f["comm"], f["units_text_hh"], "--out", o], r"'households'.*U7='很多'"),
    "grids-geometry-collection": (lambda f, o, t: ["grids", f["comm"], f["units_collection"], "--out", o], r"units.*U3 \(GeometryCollection\)"),
    "grids-hh-col-missing": (lambda f, o, t: ["grids", f["comm"], f["units"], "--households-col", "户数", "--out", o], r"no column '户数' \(given as --households-col\)"),
    "grids-unit-id-col-missing": (lambda f, o, t: ["grids", f["comm"], f["units"], "--unit-id-col", "code", "--out", o], r"no column 'code' \(given as --unit-id-col\)"),
    "grids-no-crs": (lambda f, o, t: ["grids", f["comm"], f["units_nocrs"], "--out", o], r"units_nocrs\.geojson"),
    "grids-plan-binary": (lambda f, o, t: ["grids", f["comm"], f["units"], "--existing", f["binary_csv"], "--out", o], r"binary\.csv.*not a text file"),
    # ---- grids: options
    "grids-n-zero": (lambda f, o, t: ["grids", f["comm"], f["units"], "--grids", "0", "--out", o], r"--grids.*whole number >= 1.*'0'"),
    "grids-n-negative": (lambda f, o, t: ["grids", f["comm"], f["units"], "--grids", "-3", "--out", o], r"--grids.*whole number >= 1"),
    "grids-n-text": (lambda f, o, t: ["grids", f["comm"], f["units"], "--grids", "many", "--out", o], r"--grids.*'many'"),
    "grids-min-above-max": (lambda f, o, t: ["grids", f["comm"], f["units"], "--min", "600", "--max", "500", "--out", o], r"--min 600 is above --max 500"),
    "grids-min-negative": (lambda f, o, t: ["grids", f["comm"], f["units"], "--min", "-1", "--out", o], r"--min.*>= 0"),
    "grids-max-zero": (lambda f, o, t: ["grids", f["comm"], f["units"], "--max", "0", "--out", o], r"--max.*> 0"),
    "grids-max-nan": (lambda f, o, t: ["grids", f["comm"], f["units"], "--max", "nan", "--out", o], r"--max.*finite"),
    "grids-max-inf": (lambda f, o, t: ["grids", f["comm"], f["units"], "--max", "inf", "--out", o], r"--max.*finite"),
    "grids-restarts-negative": (lambda f, o, t: ["grids", f["comm"], f["units"], "--grids", "2", "--restarts", "-1", "--out", o], r"--restarts.*whole number >= 0"),
    "grids-restarts-huge": (lambda f, o, t: ["grids", f["comm"], f["units"], "--grids", "2", "--restarts", "100000", "--out", o], r"--restarts 100000: at most 99"),
    "grids-restarts-band": (lambda f, o, t: ["grids", f["comm"], f["units"], "--restarts", "3", "--out", o], r"--restarts is for equal grids"),
    "grids-street-gap-zero": (lambda f, o, t: ["grids", f["comm"], f["units"], "--street-gap-m", "0", "--out", o], r"--street-gap-m.*above 0"),
    "grids-street-gap-text": (lambda f, o, t: ["grids", f["comm"], f["units"], "--street-gap-m", "wide", "--out", o], r"--street-gap-m.*'wide'"),
    "grids-one-input": (lambda f, o, t: ["grids", f["comm"], "--out", o], r"give COMMUNITIES UNITS"),
    "grids-lock-without-plan": (lambda f, o, t: ["grids", f["comm"], f["units"], "--lock", f["units"], "--out", o], r"--lock needs --existing"),
    "grids-unknown-option": (lambda f, o, t: ["grids", f["comm"], f["units"], "--colour", "red", "--out", o], r"unrecognized arguments: --colour"),
    # ---- grids: output paths
    "grids-out-suffix": (lambda f, o, t: ["grids", f["comm"], f["units"], "--out", t / "out.txt"], r"--out '.*out\.txt'.*\.gpkg"),
    "grids-out-no-suffix": (lambda f, o, t: ["grids", f["comm"], f["units"], "--out", t / "out"], r"--out '.*out' has no file type; end the name with \.gpkg, e\.g\. .*out\.gpkg"),
    "grids-out-under-file": (lambda f, o, t: ["grids", f["comm"], f["units"], "--out", f["a_file"] / "out.gpkg"], r"a_file' is a file, not a folder"),
    "grids-out-is-input": (lambda f, o, t: ["grids", f["comm"], f["units"], "--out", f["units"]], r"--out '.*units\.gpkg' is also an input"),
    "grids-out-is-input-layer": (lambda f, o, t: ["grids", f"{f['layers']}:communities", f"{f['layers']}:units", "--out", f["layers"]], r"is also an input"),
    "grids-out-folder": (lambda f, o, t: ["grids", f["comm"], f["units"], "--out", t / "d.gpkg"], r"is a folder"),
    # ---- merge
    "merge-one-layer": (lambda f, o, t: ["merge", f["comm"], f"综治={f['grids_a']}", "--out", o], r"two or more departmental layers.*got 1"),
    "merge-reserved-name": (lambda f, o, t: ["merge", f["comm"], f"unified_id={f['grids_a']}", f"b={f['grids_a']}", "--out", o], r"layer name 'unified_id' is reserved"),
    "merge-duplicate-name": (lambda f, o, t: ["merge", f["comm"], f"综治={f['grids_a']}", f"综治={f['grids_a']}", "--out", o], r"'综治' is given twice"),
    "merge-not-name-file": (lambda f, o, t: ["merge", f["comm"], str(f["grids_a"]), f"b={f['grids_a']}", "--out", o], r"is not NAME=FILE"),
    "merge-missing-file": (lambda f, o, t: ["merge", f["comm"], f"a={t / 'x.gpkg'}", f"b={f['grids_a']}", "--out", o], r"layer a '.*x\.gpkg' does not exist"),
    # ---- coverage
    "coverage-minutes-zero": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--minutes", "0", "--out", o], r"--minutes.*> 0"),
    "coverage-minutes-negative": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--minutes=5,-10", "--out", o], r"--minutes.*> 0"),
    "coverage-minutes-text": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--minutes", "a,b", "--out", o], r"--minutes.*numbers separated by commas"),
    "coverage-minutes-repeat": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--minutes", "5,5", "--out", o], r"--minutes: band limits repeat"),
    "coverage-speed-zero": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--speed-kmh", "0", "--out", o], r"--speed-kmh.*> 0"),
    "coverage-snap-negative": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--max-snap-m", "-1", "--out", o], r"--max-snap-m.*> 0"),
    "coverage-gap-band": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--gap-band", "20min", "--out", o], r"--gap-band '20min' is not one of the bands \(5min, 10min, 15min\)"),
    "coverage-missing-stations-first": (lambda f, o, t: ["coverage", f["bad_graphml"], t / "none.csv", f["units"], "--out", o], r"STATIONS '.*none\.csv' does not exist"),
    "coverage-stations-binary": (lambda f, o, t: ["coverage", f["net"], f["binary_csv"], f["units"], "--out", o], r"binary\.csv.*not a text file"),
    "coverage-stations-empty": (lambda f, o, t: ["coverage", f["net"], f["empty_csv"], f["units"], "--out", o], r"empty\.csv' is empty"),
    "coverage-stations-no-coords": (lambda f, o, t: ["coverage", f["net"], f["nocoords_csv"], f["units"], "--out", o], r"nocoords\.csv' has no longitude column"),
    "coverage-stations-out-of-range": (lambda f, o, t: ["coverage", f["net"], f["range_csv"], f["units"], "--out", o], r"range\.csv.*row 3, station_id 'S2' \(lon=914"),
    "coverage-stations-duplicate-ids": (lambda f, o, t: ["coverage", f["bad_graphml"], f["dup_csv"], f["units"], "--out", o], r"'dup.csv' column 'station_id' holds duplicate ids: S1"),
    "coverage-station-id-col": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--station-id-col", "站点编号", "--out", o], r"no column '站点编号' \(given as --station-id-col\)"),
    "coverage-bad-graphml": (lambda f, o, t: ["coverage", f["bad_graphml"], f["stations"], f["units"], "--out", o], r"net\.graphml"),
    "coverage-stations-on-dropped-part": (lambda f, o, t: ["coverage", f["net_islet"], f["stations_islet"], f["units"], "--out", o], r"every station is on a small disconnected part of the walking network that was dropped"),
    "coverage-network-suffix": (lambda f, o, t: ["coverage", f["nocoords_csv"], f["stations"], f["units"], "--out", o], r"NETWORK '.*nocoords\.csv'.*cannot read '\.csv'"),
    "coverage-out-is-stations": (lambda f, o, t: ["coverage", f["net"], f["stations"], f["units"], "--out", f["stations"]], r"is also an input"),
    # ---- site
    "site-k-zero": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--k", "0", "--out", o], r"--k.*whole number >= 1"),
    "site-target-above-one": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--target", "1.5", "--out", o], r"--target.*between 0 and 1"),
    "site-target-percent": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--target", "99", "--out", o], r"write 0\.99 for 99%"),
    "site-time-limit-negative": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--k", "1", "--time-limit-s", "-1", "--out", o], r"--time-limit-s.*> 0"),
    "site-band-no-unit": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--k", "1", "--band", "15", "--out", o], r"--band '15' must look like 15min"),
    "site-band-zero": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--k", "1", "--band", "0min", "--out", o], r"--band '0min'"),
    "site-missing-demand": (lambda f, o, t: ["site", f["net"], f["stations"], t / "none.gpkg", "--k", "1", "--out", o], r"DEMAND '.*none\.gpkg' does not exist"),
    "site-no-goal": (lambda f, o, t: ["site", f["net"], f["stations"], f["units"], "--out", o], r"one of the arguments --k --target is required"),
    # ---- map, screenshot
    "map-nothing": (lambda f, o, t: ["map", "--out", t / "m.html"], r"give --grids, --coverage or both"),
    "map-out-suffix": (lambda f, o, t: ["map", "--grids", f["units"], "--out", t / "m.png"], r"--out '.*m\.png'.*\.html"),
    "map-lang": (lambda f, o, t: ["map", "--grids", f["units"], "--lang", "fr", "--out", t / "m.html"], r"--lang: invalid choice: 'fr'"),
    "map-min-above-max": (lambda f, o, t: ["map", "--grids", f["units"], "--min-households", "600", "--max-households", "500", "--out", t / "m.html"], r"--min-households 600 is above"),
    "map-missing-grids": (lambda f, o, t: ["map", "--grids", t / "g.gpkg", "--out", t / "m.html"], r"--grids '.*g\.gpkg' does not exist"),
    "screenshot-missing-html": (lambda f, o, t: ["screenshot", t / "m.html", t / "m.png"], r"HTML '.*m\.html' does not exist"),
    "screenshot-out-suffix": (lambda f, o, t: ["screenshot", f["map_html"], t / "m.jpg"], r"PNG '.*m\.jpg'"),
    "screenshot-width": (lambda f, o, t: ["screenshot", f["map_html"], t / "m.png", "--width", "0"], r"--width.*>= 1"),
    "editor-missing-plan": (lambda f, o, t: ["editor", t / "plan.gpkg", "--out", t / "e.html"], r"PLAN '.*plan\.gpkg' does not exist"),
    "editor-out-suffix": (lambda f, o, t: ["editor", f["units"], "--out", t / "e.gpkg"], r"--out '.*e\.gpkg'.*\.html"),
    "editor-min-above-max": (lambda f, o, t: ["editor", f["units"], "--min", "600", "--max", "500", "--out", t / "e.html"], r"--min 600 is above --max 500"),
    # ---- run: the project file
    "run-missing-project": (lambda f, o, t: ["run", t / "none.toml"], r"none\.toml does not exist"),
    "run-binary-toml": (lambda f, o, t: ["run", _toml(t, f, "\x00\x01binary")], r"p\.toml is not a text file"),
    "run-empty-toml": (lambda f, o, t: ["run", _toml(t, f, "")], r"p\.toml is empty"),
    "run-gbk-toml": (lambda f, o, t: ["run", _toml(t, f, GOOD, "gbk")], r"p\.toml is not UTF-8.*GBK"),
    "run-bad-toml": (lambda f, o, t: ["run", _toml(t, f, "[inputs\n")], r"not valid TOML"),
    "run-speed-text": (lambda f, o, t: ["run", _toml(t, f, GOOD + '[coverage]\nspeed_kmh = "fast"\n')], r"\[coverage\] key 'speed_kmh' must be a speed.*'fast'"),
    "run-minutes-scalar": (lambda f, o, t: ["run", _toml(t, f, GOOD + "[coverage]\nminutes = 15\n")], r"'minutes' must be a list.*integer 15"),
    "run-minutes-repeat": (lambda f, o, t: ["run", _toml(t, f, GOOD + "[coverage]\nminutes = [5, 5]\n")], r"\[coverage\] minutes: band limits repeat"),
    "run-section-not-table": (lambda f, o, t: ["run", _toml(t, f, "grids = 3\n" + GOOD)], r"\[grids\] must be a table"),
    "run-enabled-text": (lambda f, o, t: ["run", _toml(t, f, GOOD + '[siting]\nenabled = "no"\n')], r"\[siting\] key 'enabled' must be true or false.*'no'"),
    "run-coord-sys": (lambda f, o, t: ["run", _toml(t, f, GOOD.replace('units = "UNITS"', 'units = { path = "UNITS", coord_sys = "gcj2" }'))], r"units key 'coord_sys'.*'gcj2'"),
    "run-lang": (lambda f, o, t: ["run", _toml(t, f, GOOD + '[outputs]\nlang = "fr"\n')], r"\[outputs\] key 'lang' must be \"zh\" or \"en\""),
    "run-min-above-max": (lambda f, o, t: ["run", _toml(t, f, GOOD + "[grids]\nmin_households = 600\n")], r"min_households 600 is above max_households 500"),
    "run-k-zero": (lambda f, o, t: ["run", _toml(t, f, GOOD + "[siting]\nk = 0\n")], r"\[siting\] key 'k'"),
    "run-unknown-key": (lambda f, o, t: ["run", _toml(t, f, GOOD + "[grids]\nmin = 3\n")], r"\[grids\] has unknown key\(s\) \['min'\]"),
    "run-missing-input": (lambda f, o, t: ["run", _toml(t, f, GOOD.replace("UNITS", "/no/such/units.gpkg"))], r"input 'units' file .*units\.gpkg does not exist"),
    "run-scheduler-address": (lambda f, o, t: ["run", _project(t, f), "--scheduler", "my laptop"], r"scheduler 'my laptop' is neither"),
    "run-out-is-file": (lambda f, o, t: ["run", _project(t, f), "--out", f["a_file"]], r"a_file is a file"),
    "run-empty-units-layer": (lambda f, o, t: ["run", _project(t, f, units=f'"{f["units_empty_layer"].as_posix()}"')], r"input 'units'.*has no rows"),
    "run-hh-huge": (lambda f, o, t: ["run", _project(t, f, units=f'"{f["units_huge"].as_posix()}"')], r"'households' holds more than 1,000,000.*U7"),
    "run-hh-inf": (lambda f, o, t: ["run", _project(t, f, units=f'"{f["units_inf"].as_posix()}"')], r"'households'.*U7=inf"),
    "run-units-collection": (lambda f, o, t: ["run", _project(t, f, units=f'"{f["units_collection"].as_posix()}"')], r"U3 \(GeometryCollection\)"),
    "run-duplicate-unit-ids": (lambda f, o, t: ["run", _project(t, f, units=f'"{f["units_dup"].as_posix()}"')], r"'units_dup.gpkg' column 'unit_id' holds duplicate ids: U0"),
    "run-hh-column": (lambda f, o, t: ["run", _project(t, f, units=f'{{ path = "{f["units"].as_posix()}", households_col = "户数" }}')], r"no column '户数' \(given as \[inputs\] units households_col\)"),
}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".partial" in p.name)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, f, tmp_path, capsys):
    build, pattern = CASES[case]
    (tmp_path / "d.gpkg").mkdir()
    out = tmp_path / "out.gpkg"
    code = main([str(a) for a in build(f, out, tmp_path)])
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == 2, err
    assert "Traceback" not in captured.err and len(err.splitlines()) == 1, captured.err
    assert re.search(pattern, err), err
    assert not out.exists() and not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == [] and _leftovers(f["units"].parent) == []


def test_a_full_disk_leaves_the_earlier_output_whole(f, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out.gpkg"
    assert main(["-q", "grids", str(f["comm"]), str(f["units"]), "--out", str(out)]) == 0
    before = out.read_bytes()
    real = pyogrio.write_dataframe
    calls = []

    def write_until_full(df, path, **kw):
        calls.append(kw.get("layer"))
        if len(calls) == 2:  # the disk fills up after the first layer
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(df, path, **kw)

    monkeypatch.setattr(pyogrio, "write_dataframe", write_until_full)
    code = main(["grids", str(f["comm"]), str(f["units"]), "--min", "100", "--max", "300", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert re.search(r"cannot write '.*out\.gpkg': No space left on device", err), err
    assert out.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_a_full_disk_during_a_csv_leaves_no_file(f, tmp_path, capsys, monkeypatch):
    import pandas as pd

    def full(self, path, *a, **kw):
        Path(path).write_bytes(b"station_id,na")  # cut short
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "cov.gpkg"
    code = main(["coverage", str(f["net"]), str(f["stations"]), str(f["units"]), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    assert not (tmp_path / "cov_summary.csv").exists() and not out.exists()
    assert _leftovers(tmp_path) == []


def test_an_unreachable_dask_scheduler_is_one_line(f, tmp_path, capsys):
    pytest.importorskip("distributed")
    project = _project(tmp_path, f, "[distributed]\nconnect_timeout_s = 0.5\n")
    code = main(["run", str(project), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "cannot reach the Dask scheduler 'tcp://127.0.0.1:9'" in err
    assert not (tmp_path / "out").exists()


def test_lang_fr_is_refused_before_any_output(f, tmp_path, capsys):
    project = _project(tmp_path, f, "")
    project.write_text(project.read_text(encoding="utf-8").replace("png = false", "png = false\nlang = \"fr\""),
                       encoding="utf-8")
    assert main(["run", str(project)]) == 2
    assert "lang" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


# ------------------------------------------------------------------- Ctrl-C, in a real process

_SLOW_WRITE = """
import signal, sys, time, pyogrio
signal.signal(signal.SIGINT, signal.default_int_handler)  # a shell's background job starts with Ctrl-C ignored
for name in ("SIGTERM", "SIGHUP"):  # and a suite run under nohup with hang-ups ignored, which spatial keeps
    if hasattr(signal, name):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
real, calls = pyogrio.write_dataframe, []
def slow(df, path, **kw):
    real(df, path, **kw)
    calls.append(path)
    if len(calls) == 1:  # one layer of the new file written: now the user presses Ctrl-C
        sys.stderr.write("FIRST LAYER WRITTEN\\n")
        sys.stderr.flush()
        time.sleep(60)
pyogrio.write_dataframe = slow
from spatial.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _interrupt(args: list[str], signum: int | None = None) -> tuple[int, str]:
    """Run ``spatial ARGS`` in a process of its own and send it ``signum`` (default SIGINT, as
    Ctrl-C does) once the first layer of its output is written (the writer then waits a minute)."""
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITE, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    try:
        for line in proc.stderr:
            lines.append(line)
            if "FIRST LAYER WRITTEN" in line:
                proc.send_signal(signal.SIGINT if signum is None else signum)
                break
        rest = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, "".join(lines) + rest


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_ctrl_c_while_grids_rewrites_a_plan_leaves_the_old_plan_whole(f, tmp_path):
    out = tmp_path / "out.gpkg"
    assert main(["-q", "grids", str(f["comm"]), str(f["units"]), "--out", str(out)]) == 0
    before = out.read_bytes()
    code, err = _interrupt(["grids", f["comm"], f["units"], "--min", "100", "--max", "250", "--out", out])
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert out.read_bytes() == before  # not grids of the new plan with units of the old one
    assert _leftovers(tmp_path) == []


def test_ctrl_c_during_a_project_run_leaves_the_earlier_run_as_it_was(f, tmp_path):
    project = _project(tmp_path, f)
    assert main(["-q", "run", str(project)]) == 0
    before = _snapshot(tmp_path / "out")
    assert "run_log.json" in before and "results.gpkg" in before
    code, err = _interrupt(["run", project])
    assert code == 130 and "interrupted" in err and "Traceback" not in err, err
    assert _snapshot(tmp_path / "out") == before
    assert _leftovers(tmp_path) == []


def test_a_new_run_replaces_the_old_one_whole_and_keeps_other_files(f, tmp_path):
    project = _project(tmp_path, f)
    assert main(["-q", "run", str(project)]) == 0
    out = tmp_path / "out"
    assert (out / "grids.csv").exists()
    (out / "notes.txt").write_text("the planner's own file", encoding="utf-8")
    project.write_text(project.read_text(encoding="utf-8") + "[grids]\nenabled = false\n", encoding="utf-8")
    assert main(["-q", "run", str(project)]) == 0
    assert not (out / "grids.csv").exists()  # a result of the earlier run, not of this one
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the planner's own file"
    assert "grids" not in {name for name, _ in pyogrio.list_layers(out / "results.gpkg")}
    assert _leftovers(tmp_path) == []
