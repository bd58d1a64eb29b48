"""The GCJ-02 hint where an official looks (an outside tester's findings): stations picked off Amap
and labelled WGS-84 lie ~600 m off in Futian, and every 15-minute circle with them; the hint was
said on the console and in the report only.

* the maps (coverage.html, overview.html, ``spatial map --coverage``) said nothing: an official opening
  them on a phone from WeChat saw stations beside the streets' ends and no word why; now a short note
  above the scale bar says it, in the map's language, and only when there is a hint;
* ``spatial coverage``'s workbook (OUT_summary.xlsx) had no 数据问题清单 sheet, which ``spatial run``'s
  has: the same sheet now, from the same report rows;
* the Chinese of the report row said "详见英文说明" (see the English) in a Chinese workbook that shows
  no English: it names the system, the distances and what to write now;
* the KMZ a grid worker opens in 奥维互动地图 drew the stations 600 m off with no word: each station's
  description says it now.

The shift is made with the published WGS-84 -> GCJ-02 formula written here, not the package's.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import spatial
from spatial.cli import main
from spatial.maps.interactive import coverage_map, save_map
from test_maps_browser import browser, open_map  # noqa: F401  (one headless Chromium)

DATA = Path(spatial.__file__).parent.parent / "data"
KML = "{http://www.opengis.net/kml/2.2}"
NOTE_ZH = "党群服务站坐标疑似高德/腾讯（GCJ-02）坐标"


# --- the published WGS-84 -> GCJ-02 transform (Krasovsky 1940 ellipsoid), independent of spatial.io.coords
_A, _EE = 6378245.0, 0.00669342162296594323


def _d_lat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    return r + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0


def _d_lon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    return r + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    rad = np.deg2rad(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    d_lat = _d_lat(lon - 105.0, lat - 35.0) * 180.0 / ((_A * (1 - _EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = _d_lon(lon - 105.0, lat - 35.0) * 180.0 / (_A / np.sqrt(magic) * np.cos(rad) * np.pi)
    return lon + d_lon, lat + d_lat


def as_read_off_amap(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The points moved as Amap shows them, still labelled WGS-84 (a station list picked off Amap)."""
    pts = points.to_crs(4326)
    lon, lat = wgs84_to_gcj02(pts.geometry.x, pts.geometry.y)
    return pts.set_geometry(gpd.points_from_xy(lon, lat), crs=4326)


def test_the_shift_is_the_one_officials_meet_in_futian():
    stations = gpd.read_file(DATA / "demo.gpkg", layer="stations")
    moved = as_read_off_amap(stations).to_crs(32650).distance(stations.to_crs(32650))
    assert 600 < moved.min() and moved.max() < 610  # 604-606 m at Futian


# --- the report's words ---------------------------------------------------------------------------
def test_the_chinese_report_row_names_the_system_and_what_to_write_not_see_the_english():
    # a Chinese workbook shows only the Chinese; the row said "详见英文说明" and "按英文说明指明其坐标系"
    from spatial.coverage._hints import hint_sentence, hint_zh, read_hint

    sure = hint_sentence("stations", 89, 30, "gcj02", "", "spatial coverage, spatial site")
    problem, action = hint_zh(sure)
    assert problem == ("服务站坐标疑似高德/腾讯（GCJ-02）坐标，却按 WGS-84 读取：四分之三的点距步行路网 89 米以内，"
                       "按 GCJ-02 读取则在 30 米以内")
    assert 'coord_sys = "gcj02"' in action and "--stations-coord-sys gcj02" in action and "英文" not in action
    few = hint_sentence("demand", 120, 40, "bd09", " (only 4 points: a guess, check one on a map first)", "x")
    assert read_hint(few) == ("demand", "bd09", False, 120, 40, False)  # (back: not WGS-84 read as bd09)
    problem, action = hint_zh(few)
    assert problem.startswith("居民点坐标可能是百度（BD-09）坐标") and "--demand-coord-sys bd09" in action
    assert "约一千米" in action


# --- the maps -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return spatial.load_demo()


@pytest.fixture(scope="module")
def walks(demo):
    """The demo's walks from its stations as they are (WGS-84) and as read off Amap."""
    return {"wgs84": walking(demo, demo["stations"]), "amap": walking(demo, as_read_off_amap(demo["stations"]))}


def walking(demo, stations):
    return spatial.walking_coverage(demo["units"], stations, demo["network"]), stations


def _layout(path: Path) -> dict:
    page = path.read_text(encoding="utf-8")
    return json.loads(re.search(r"spLayout\([^,]+, (\{.*?\})\);", page).group(1))


def test_the_coverage_and_overview_maps_say_the_stations_look_like_amap_numbers(demo, walks, tmp_path):
    demand, stations = walks["amap"]
    plan = spatial.partition_grids(demo["units"], demo["communities"])
    for lang, said in (("zh", "⚠ " + NOTE_ZH), ("en", "⚠ The stations look like GCJ-02 (Amap/Tencent) numbers")):
        cov = save_map(coverage_map(demand, stations, lang=lang), tmp_path / f"coverage_{lang}.html")
        over = save_map(spatial.overview_map(plan.grids, demand, stations, lang=lang), tmp_path / f"over_{lang}.html")
        for path in (cov, over):
            notes = _layout(path).get("notices", [])
            assert len(notes) == 1 and notes[0].startswith(said), (path.name, notes)
    assert "可能偏差数百米" in _layout(tmp_path / "coverage_zh.html")["notices"][0]
    # the same stations where they are: no note, and the page's layout as before (no key at all)
    demand, stations = walks["wgs84"]
    assert "notices" not in _layout(save_map(coverage_map(demand, stations), tmp_path / "true.html"))


def test_on_a_phone_the_note_shows_above_the_scale_bar_without_opening_the_sheet(walks, tmp_path, browser):
    from selenium.webdriver.common.by import By

    demand, stations = walks["amap"]
    path = save_map(coverage_map(demand, stations), tmp_path / "coverage.html")
    for width, height in ((390, 844), (1400, 900)):
        open_map(browser, path, (width, height))
        notes = [e for e in browser.find_elements(By.CSS_SELECTOR, ".sp-data-notice") if e.is_displayed()]
        assert [n.text[:20] for n in notes] == ["⚠ " + NOTE_ZH[:18]]
        box = browser.execute_script("""
            var n = document.querySelector('.sp-data-notice').getBoundingClientRect(),
                s = document.querySelector('.leaflet-control-scale').getBoundingClientRect(),
                t = document.querySelector(innerWidth <= 600 ? '.sp-dock-toggle' : '.sp-dock').getBoundingClientRect(),
                a = document.querySelector('.leaflet-control-attribution').getBoundingClientRect();
            return {h: n.height, w: n.width, above_scale: n.bottom <= s.top, left: n.left, right: n.right,
                    clear_of_panel: n.right <= t.left || n.top >= t.bottom,
                    clear_of_credit: n.right <= a.left || n.bottom <= a.top};""")
        # short: a few lines in the corner, never over the panel, the credits or the scale bar
        assert box["h"] < 0.1 * height and box["w"] <= 320 and box["left"] >= 0 and box["right"] <= width, box
        assert box["above_scale"] and box["clear_of_panel"] and box["clear_of_credit"], box
        assert browser.execute_script(UNDER_NOTE) <= 1  # the homes and stations are fitted above it


#: How far (px) the study area's southern edge (the homes' and stations' bounds) lies below the note's top:
#: at most 0 when it is fitted above the note, not under it.
UNDER_NOTE = """
    var c = document.querySelector('.folium-map'), m = window[c.id], top = 0, south = 90;
    top = document.querySelector('.sp-data-notice').getBoundingClientRect().top - c.getBoundingClientRect().top;
    m._spLayers.forEach(function (r) { if (r.key === 'stations' || r.key.indexOf('demand') === 0) {
        south = Math.min(south, r.layer.getBounds().getSouth()); } });
    return m.latLngToContainerPoint([south, m.getCenter().lng]).y - top;"""


def test_printed_the_map_keeps_the_note_and_fits_the_stations_above_it(walks, tmp_path, browser):
    # printed on a wide page the study area was fitted down to the credits, its south 41 px under the
    # note: fitted above it now, as on screen
    demand, stations = walks["amap"]
    path = save_map(coverage_map(demand, stations), tmp_path / "coverage.html")
    open_map(browser, path, (1400, 600))  # a page wider than Futian: the height decides the fit
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        for _ in range(40):  # the page hears of the print media at its next frame
            if browser.execute_script("return document.querySelector('.folium-map').getAttribute('data-sp-print')"):
                break
            time.sleep(0.05)
        shown = browser.execute_script("var n = document.querySelector('.sp-data-notice');"
                                       "return n && getComputedStyle(n).display !== 'none' && n.textContent;")
        assert shown and shown.startswith("⚠ " + NOTE_ZH)
        assert browser.execute_script(UNDER_NOTE) <= 1
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


# --- as an official runs it: spatial run and spatial coverage -------------------------------------
def _project(tmp: Path, stations: gpd.GeoDataFrame, name: str) -> Path:
    stations.to_file(tmp / f"{name}.gpkg", layer="stations")
    text = (DATA / "demo_project.toml").read_text(encoding="utf-8")
    text = text.replace('output = "../maps"', f'output = "{(tmp / ("out_" + name)).as_posix()}"')
    text = text.replace('"futian_walk.graphml"', f'"{(DATA / "futian_walk.graphml").as_posix()}"')
    text = text.replace('path = "demo.gpkg", layer = "stations"', f'path = "{(tmp / name).as_posix()}.gpkg", '
                        'layer = "stations"')
    text = text.replace('path = "demo.gpkg"', f'path = "{(DATA / "demo.gpkg").as_posix()}"')
    text = text.replace("png = true", "png = false")
    path = tmp / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory, monkeypatch_module, demo_outputs):
    """The output folders of the demo project run on its stations read off Amap (``amap``) and on
    its own stations, true WGS-84 (``wgs84``: the session's ``spatial demo`` run, read only)."""
    tmp = tmp_path_factory.mktemp("runs")
    stations = gpd.read_file(DATA / "demo.gpkg", layer="stations")
    assert main(["run", str(_project(tmp, as_read_off_amap(stations), "amap")), "-q"]) == 0
    (wgs84,) = {p.parent for p in demo_outputs if p.name == "results.gpkg"}
    return {"amap": tmp / "out_amap", "wgs84": wgs84}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPATIAL_PROCESSES", "1")  # two cores shared: no worker processes
        yield mp


def _sheet(path: Path, name: str = "数据问题清单") -> list[tuple]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    assert name in book.sheetnames, book.sheetnames
    return [tuple(r) for r in book[name].iter_rows(values_only=True)]


def _station_notes(kmz: Path) -> list[str]:
    with zipfile.ZipFile(kmz) as z:
        root = ET.fromstring(z.read("doc.kml"))
    for doc in root.iter(f"{KML}Document"):
        if doc.findtext(f"{KML}name") == "党群服务站":
            return [p.findtext(f"{KML}description") for p in doc.iter(f"{KML}Placemark")]
    raise AssertionError("no 党群服务站 folder")


def test_spatial_run_on_stations_read_off_amap_says_so_on_every_map_sheet_and_placemark(runs, tmp_path):
    out = runs["amap"]
    for name in ("coverage.html", "overview.html"):
        notes = _layout(out / name).get("notices", [])
        assert len(notes) == 1 and notes[0].startswith("⚠ " + NOTE_ZH), (name, notes)
    assert "notices" not in _layout(out / "grids.html")  # grids do not walk: not where it applies
    rows = [r for r in _sheet(out / "summary.xlsx") if r[1] == "-" and "GCJ-02" in str(r[2])]
    assert len(rows) == 1 and rows[0][0] == "服务站" and "英文" not in rows[0][2] + rows[0][3]
    assert 'coord_sys = "gcj02"' in rows[0][3]
    notes = _station_notes(out / "results.kmz")
    assert len(notes) == 17 and all(("注意: ⚠ " + NOTE_ZH) in n for n in notes)
    # the map drawn again from the run's GeoPackage says it too (its report layer keeps the hint)
    assert main(["map", "--coverage", str(out / "results.gpkg"), "--out", str(tmp_path / "again.html"), "-q"]) == 0
    assert _layout(tmp_path / "again.html")["notices"][0].startswith("⚠ " + NOTE_ZH)


def test_spatial_run_on_true_wgs84_stations_says_nothing_of_amap_anywhere(runs, tmp_path):
    out = runs["wgs84"]
    for name in ("coverage.html", "overview.html", "grids.html"):
        assert "notices" not in _layout(out / name)
    assert not [r for r in _sheet(out / "summary.xlsx") if "GCJ-02" in str(r[2]) and r[1] == "-"]
    assert not [n for n in _station_notes(out / "results.kmz") if "注意" in n]
    assert main(["map", "--coverage", str(out / "results.gpkg"), "--out", str(tmp_path / "again.html"), "-q"]) == 0
    assert "notices" not in _layout(tmp_path / "again.html")


def test_the_walks_are_those_of_the_stations_as_given(runs):
    # the hint is said, the data never moved: the run's figures are those of the stations as given
    amap = pd.read_csv(runs["amap"] / "coverage_summary.csv", encoding="utf-8-sig")
    true = pd.read_csv(runs["wgs84"] / "coverage_summary.csv", encoding="utf-8-sig")
    overall = [float(f[f["level"] == "overall"]["pct_hh_15min"].iloc[0]) for f in (amap, true)]
    assert overall == [74.6, 81.0]


@pytest.mark.parametrize("kind", ["amap", "wgs84"])
def test_spatial_coverage_writes_the_report_sheet_of_spatial_run_and_the_note_where_it_applies(
        tmp_path, kind, monkeypatch_module):
    stations = gpd.read_file(DATA / "demo.gpkg", layer="stations")
    (as_read_off_amap(stations) if kind == "amap" else stations).to_file(tmp_path / "s.gpkg", layer="stations")
    out = tmp_path / "c.gpkg"
    assert main(["coverage", str(DATA / "futian_walk.graphml"), str(tmp_path / "s.gpkg"), f"{DATA / 'demo.gpkg'}:units",
                 "--communities", f"{DATA / 'demo.gpkg'}:communities", "--out", str(out),
                 "--kml", str(tmp_path / "s.kmz"), "-q"]) == 0
    # OUT_summary.xlsx had no 数据问题清单: every row of the report layer is on it now, in Chinese
    sheet = _sheet(tmp_path / "c_summary.xlsx")
    report = gpd.read_file(out, layer="report")
    assert sheet[0] == ("图层", "行或编号", "问题", "处理") and len(sheet) - 1 == len(report)
    assert ("路网", "highway=trunk") in [r[:2] for r in sheet]
    hint = [r for r in sheet if r[1] == "-" and "GCJ-02" in str(r[2])]
    notes = [n for n in _station_notes(tmp_path / "s.kmz") if "注意" in n]
    assert main(["map", "--coverage", str(out), "--out", str(tmp_path / "map.html"), "-q"]) == 0
    said = _layout(tmp_path / "map.html").get("notices", [])
    if kind == "amap":
        assert len(hint) == 1 and hint[0][0] == "服务站" and "--stations-coord-sys gcj02" in hint[0][3]
        assert len(notes) == 17 and len(said) == 1 and said[0].startswith("⚠ " + NOTE_ZH)
    else:
        assert hint == [] and notes == [] and said == []


# --- a Dask run (spatial run --scheduler) --------------------------------------------------------------
def test_a_dask_run_keeps_the_hint_for_the_report_and_the_maps_as_one_process_does(demo):
    # run_coverage_distributed ran walking_coverage per part and kept only its columns: the hint was
    # warned in the workers and lost, so a --scheduler run had no report row and no note on its maps
    from spatial.coverage.walks import report_reasons
    from spatial.core.checks import Report
    from spatial.project.distributed import make_client, run_coverage_distributed

    x = demo["units"].to_crs(32650).centroid.x
    units = demo["units"].assign(half=np.where(x < x.median(), "west", "east"))  # two parts
    with make_client(n_workers=2, processes=False) as client:
        got = {kind: run_coverage_distributed(units, layer, demo["network"], by="half", client=client)
               for kind, layer in (("amap", as_read_off_amap(demo["stations"])), ("wgs84", demo["stations"]))}
    hints = got["amap"].attrs.get("coords_hints", [])
    assert [layer for layer, _ in hints] == ["stations"] and "look like gcj02 numbers" in hints[0][1]
    rows = report_reasons(Report(), got["amap"], "coverage_demand").to_frame(zh_columns=True)
    assert rows[rows["row_id"] == "-"]["problem_zh"].tolist()[0].startswith("服务站坐标疑似高德/腾讯（GCJ-02）坐标")
    assert "coords_hints" not in got["wgs84"].attrs


def test_the_printed_overview_says_it_above_its_credits_and_only_with_a_hint(demo, walks):
    # overview.png, "for printed reports", drew the stations 605 m off with no word either
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spatial.maps.static import overview_figure

    said = {}
    for kind, (demand, stations) in walks.items():
        fig = overview_figure(communities=demo["communities"], demand=demand, stations=stations, zh=False)
        said[kind] = [t.get_text() for t in fig.texts if "GCJ-02" in t.get_text()]
        plt.close(fig)
    assert said["wgs84"] == []
    assert said["amap"] == ["Note: The stations look like GCJ-02 (Amap/Tencent) numbers read as WGS-84: stations "
                            "and service areas may be hundreds of metres off; check one station on a map"]


# --- candidates read off Amap: spatial site ------------------------------------------------------------
def test_candidates_read_off_amap_are_in_spatial_sites_report_and_on_the_map_of_its_sites(demo, tmp_path):
    # spatial site warned on the console only: its report layer (and so spatial map --sites) had no word
    # that every proposed site, a candidate's place, was ~600 m off where the room is
    net = demo["network"]
    xy = net.node_xy[np.linspace(0, len(net.node_xy) - 1, 40).astype(int)]  # rooms on the street corners
    rooms = gpd.GeoDataFrame({"candidate_id": [f"C{i:02d}" for i in range(40)]},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs)
    for kind, layer in (("amap", as_read_off_amap(rooms)), ("wgs84", rooms.to_crs(4326))):
        layer.to_file(tmp_path / f"rooms_{kind}.gpkg")
        assert main(["site", str(DATA / "futian_walk.graphml"), f"{DATA / 'demo.gpkg'}:stations",
                     f"{DATA / 'demo.gpkg'}:units", "--candidates", str(tmp_path / f"rooms_{kind}.gpkg"), "--k", "2",
                     "--out", str(tmp_path / f"sites_{kind}.gpkg"), "-q"]) == 0
    assert main(["coverage", str(DATA / "futian_walk.graphml"), f"{DATA / 'demo.gpkg'}:stations",
                 f"{DATA / 'demo.gpkg'}:units", "--out", str(tmp_path / "c.gpkg"), "--no-isochrones", "-q"]) == 0
    said = {}
    for kind in ("amap", "wgs84"):
        report = gpd.read_file(tmp_path / f"sites_{kind}.gpkg", layer="report")
        said[kind] = report[report["row_id"] == "-"][["layer", "problem"]].values.tolist()
        assert main(["map", "--coverage", str(tmp_path / "c.gpkg"), "--sites", str(tmp_path / f"sites_{kind}.gpkg"),
                     "--out", str(tmp_path / f"{kind}.html"), "-q"]) == 0
    assert [layer for layer, _ in said["amap"]] == ["candidates"] and "look like gcj02" in said["amap"][0][1]
    assert _layout(tmp_path / "amap.html")["notices"] == [
        "⚠ 候选站点坐标疑似高德/腾讯（GCJ-02）坐标，却按 WGS84 读取：建议新站的位置可能偏差数百米，请核对一个候选点的位置"]
    assert said["wgs84"] == [] and "notices" not in _layout(tmp_path / "wgs84.html")
