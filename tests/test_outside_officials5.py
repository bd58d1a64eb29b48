"""An official checking the 15-minute circle of the 党群服务中心/站, fifth pass: what README.txt says
the maps and the KMZ hold, the scale bar's words on a Chinese map, and why a station whose homes
are all nearer another station serves nobody.

The town (as tests/test_outside_officials2.py's): one footway along y = 0 from 0 to 2,000 m
(EPSG:32650, near Shenzhen), ten homes 20 m north of it at x = 0, 200 ... 1,800 (100 households
each). Stations with 站点编号 (ids no other test uses): O5-1 (a 中心) on the street at x = 0,
O5-2 (a 站) 50 m west of the street's end, at x = -50 (its leg of 50 m to the street is within
the 100 m any station is snapped over), O5-3 on the street at x = 1,800. At 4 km/h 15 minutes is
1,000 m: O5-1 is the nearest station of the homes at x <= 800 (walk x + 20; from O5-2 it is
x + 70), O5-3 of those at x >= 1,000 (walk 1,820 - x): every household is within 15 minutes, so
there is no gap, and O5-2 serves nobody, every home in its reach being nearer O5-1.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from test_outside_officials2 import UTM, X0, Y0, _degrees, _map, _project, _town
from test_outside_officials3 import _kmz_descriptions
from test_outside_officials4 import _sheet, _stations as _station_list

STATIONS = [("O5-1", "甲社区党群服务中心", "中心", 0, 0, 600), ("O5-2", "丙社区党群服务站", "站", -50, 0, 200),
            ("O5-3", "乙社区党群服务站", "站", 1800, 0, 300)]


def _stations(path: Path) -> Path:
    return _station_list(path, STATIONS)


@pytest.fixture(scope="module")
def town_run(tmp_path_factory) -> Path:
    """``spatial run`` of the town with grids, maps, workbook and KMZ and no [siting] table: the
    output folder."""
    from spatial.cli import main

    folder = tmp_path_factory.mktemp("town5")
    paths = _town(folder)
    paths["stations"] = _stations(folder / "站点.csv")
    project = _project(folder, paths, maps=True, grids=True)
    text = project.read_text(encoding="utf-8").replace("workbook = false", "workbook = true")
    text = text.replace("kml = false", "kml = true").replace("[siting]\nk = 1\nmin_floor_area_m2 = 300\n", "")
    assert "[siting]" not in text
    project.write_text(text, encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["-q", "run", str(project)]) == 0
    return folder / "out"


def _readme(out: Path) -> dict[str, str]:
    """README.txt's line on each file, by file name."""
    lines = (out / "README.txt").read_text(encoding="utf-8-sig").splitlines()
    return {m.group(1): m.group(2) for line in lines if (m := re.fullmatch(r"  (\S+)\s+(.*)", line))}


def _kmz_folders(path: Path) -> list[str]:
    kml = zipfile.ZipFile(path).read("doc.kml").decode("utf-8")
    return re.findall(r"<Document id=\"layer\d+\">\s*<name>(.*?)</name>", kml)


# ----------------------------------------------- 1: README.txt says what the maps and the KMZ hold


def test_readme_says_the_overview_and_the_kmz_hold_no_gap_and_no_site_and_why(town_run):
    """Every household is within 15 minutes and the project file has no [siting]: README.txt still
    said overview.html held "网格、15分钟服务圈、覆盖盲区和建议新站" and results.kmz "网格、服务站、盲区、
    建议新站", and the official looked for gaps and sites that were not there. The lines now name what
    the files hold and say there is no gap (every household within 15 minutes) and no proposed
    site (siting was not run: no [siting] in the project file)."""
    assert len(pd.read_csv(town_run / "gaps.csv", encoding="utf-8-sig")) == 0
    assert _kmz_folders(town_run / "results.kmz") == ["网格", "党群服务站"]
    said = _readme(town_run)
    none = "没有盲区（所有住户都在15分钟内）；没有建议新站（未做选址：项目文件没有 [siting]）"
    assert said["overview.html"] == f"总览地图：网格和15分钟服务圈；{none}。先看这个。"
    assert said["results.kmz"] == f"手机地图文件：用奥维互动地图或 Google Earth 打开（网格、服务站）；{none}。"
    assert said["gaps.csv"] == "覆盖盲区表：本次没有盲区（所有住户都在15分钟内），只有表头。"  # was: 按未覆盖户数排序 ...


def test_readme_lines_name_only_what_the_run_has_in_english_too():
    """The lines as :func:`held` makes them: a run with gaps and sites says what it said before; one
    whose siting found no site with gaps left says so; English likewise."""
    from spatial.project._readme import _ABOUT, held

    full = held(grids=True, coverage=True, stations=True, gaps=3, sites=2, band="15分钟")
    assert full == {k: _ABOUT[k][0] for k in ("overview.html", "results.kmz")}  # the demo's README is unchanged
    full_en = held(grids=True, coverage=True, stations=True, gaps=3, sites=2, band="15 min", lang="en")
    assert full_en == {k: _ABOUT[k][1] for k in ("overview.html", "results.kmz")}
    none = held(grids=True, coverage=True, stations=True, gaps=2, sites=0, band="15分钟")
    assert none["overview.html"] == "总览地图：网格、15分钟服务圈和覆盖盲区；没有建议新站（选址没有选中候选站址，原因见数据问题清单）。先看这个。"
    en = held(grids=True, coverage=True, stations=True, gaps=0, sites=None, band="10 min", lang="en")
    assert en["results.kmz"] == ("For a phone's map app (奥维互动地图, Google Earth): grids and stations; no gaps "
                                 "(every household within 10 min); no sites proposed (siting was not run: the "
                                 "project file has no [siting]).")


def test_readme_names_the_sheets_the_workbook_has(town_run):
    """README.txt said summary.xlsx held 覆盖盲区 and 建站前后 pages; with no gap and no siting the
    workbook has neither. The line now names the sheets it has, in their order."""
    sheets = load_workbook(town_run / "summary.xlsx").sheetnames
    assert "盲区" not in sheets and "建站前后" not in sheets
    assert _readme(town_run)["summary.xlsx"] == f"汇总表（Excel 或 WPS 打开），各页：{'、'.join(sheets)}；说明页解释每一列。"


# ----------------------------------------------- 2: the scale bar in the map's language, its length the ground's

WECHAT = ("Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
          "Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5223 MMWEBSDK/20230701 MicroMessenger/8.0.40")


@pytest.fixture(scope="module")
def phone():
    """One headless Chromium for the module, as WeChat's browser names itself, offline."""
    from conftest import headless_chromium

    driver = headless_chromium("--hide-scrollbars", f"--user-agent={WECHAT}")
    yield driver
    driver.quit()


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    p1, p2, dp, dl = map(math.radians, (lat1, lat2, lat2 - lat1, lon2 - lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def _scale_bar(driver, path: Path, size: tuple[int, int]) -> tuple[str, float]:
    """The scale bar's words on ``path`` opened at ``size``, and the metres its length spans on the
    ground (the map's two container points at its ends, measured by our own haversine)."""
    from test_maps_browser import open_map

    map_id = open_map(driver, path, size)
    label, ends = driver.execute_script("""
        var m = window[arguments[0]], bar = document.querySelector('.leaflet-control-scale-line');
        var box = bar.getBoundingClientRect(), map = m.getContainer().getBoundingClientRect();
        var y = box.top + box.height / 2 - map.top;
        var a = m.containerPointToLatLng([box.left - map.left, y]), b = m.containerPointToLatLng([box.right - map.left, y]);
        return [bar.textContent.trim(), [a.lat, a.lng, b.lat, b.lng]];""", map_id)
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return label, _haversine_m(*ends)


@pytest.mark.browser
def test_the_scale_bar_says_mi_and_gongli_on_a_chinese_map_and_spans_what_it_says(town_run, phone, tmp_path):
    """The scale bar of every Chinese map said "200 m": Leaflet's English. On the phone (390 x 844,
    WeChat) and the laptop (1400 x 900), offline, it now says 米 (公里 from 1,000 m up), and the
    ground between its ends is the distance it names, within 2% (the bar's border); an English
    map keeps m and km."""
    from spatial.cli import main

    english = tmp_path / "en.html"
    assert main(["-q", "map", "--coverage", str(town_run / "results.gpkg"), "--lang", "en", "--out", str(english)]) == 0
    for page, unit in ((town_run / "coverage.html", "米"), (town_run / "overview.html", "米"), (english, "m")):
        for size in ((390, 844), (1400, 900)):
            label, ground_m = _scale_bar(phone, page, size)
            said = re.fullmatch(r"(\d+) (米|公里|m|km)", label)
            assert said and said.group(2) in (unit, {"米": "公里", "m": "km"}[unit]), (page.name, size, label)
            metres = float(said.group(1)) * (1000 if said.group(2) in ("公里", "km") else 1)
            assert ground_m == pytest.approx(metres, rel=0.02), (page.name, size, label)
    phone.set_window_size(390, 844)
    phone.get((town_run / "grid_editor.html").resolve().as_uri())
    for _ in range(100):
        if (words := phone.execute_script("var s = document.querySelector('.leaflet-control-scale-line');"
                                          "return s && s.textContent.trim();")):
            break
        import time

        time.sleep(0.05)
    assert re.fullmatch(r"\d+ (米|公里)", words), words


# ----------------------------------------------- 3: a station that serves nobody because its homes are nearer another

NEARER_ZH = "附近住户都离甲社区党群服务中心更近"


def test_a_station_whose_homes_are_all_nearer_another_says_so_in_the_csv_sheet_map_and_kmz(town_run):
    """O5-2, 50 m behind O5-1, is nobody's nearest station (every home walks 50 m more to it). Its
    row in station_load.csv and the 服务站负荷 sheet gave 0 households and a blank reason, as did its
    popup and its KMZ placemark: the official tapping it saw nothing. Each now says its homes are
    all nearer 甲社区党群服务中心 (in English in the CSV, as its other reasons are); the stations that
    serve keep a blank reason, and the map's first view still takes O5-2 in (the walks reach it)."""
    with open(town_run / "station_load.csv", encoding="utf-8-sig") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    assert dict(zip(table["station_id"], table["households_served"])) == {"O5-1": "500", "O5-2": "0", "O5-3": "500"}
    assert dict(zip(table["station_id"], table["station_reason"])) == {
        "O5-1": "", "O5-2": "its homes are all nearer 甲社区党群服务中心", "O5-3": ""}
    sheet = {r["站点编号"]: r["不能服务住户的原因"] for r in _sheet(town_run / "summary.xlsx", "服务站负荷")}
    assert sheet == {"O5-1": None, "O5-2": NEARER_ZH, "O5-3": None}
    for page in ("coverage.html", "overview.html"):
        layers, ((south, west), (north, east)) = _map(town_run / page)
        said = {f["properties"]["name"]: f["properties"].get("reason") for f in layers["stations"]}
        assert said == {"甲社区党群服务中心": None, "丙社区党群服务站": NEARER_ZH, "乙社区党群服务站": None}, page
        lon, lat = _degrees(-50, 0)
        assert west <= lon + 1e-6 and south <= lat <= north, page  # drawn in the first view, as any station reached
    kmz = _kmz_descriptions(town_run / "results.kmz", "党群服务站")
    assert f"不能服务住户的原因: {NEARER_ZH}" in kmz["丙社区党群服务站"]
    assert "不能服务住户的原因" not in kmz["甲社区党群服务中心"]


def test_spatial_coverage_and_a_python_map_give_the_same_reason(tmp_path, capsys):
    """``spatial coverage``'s OUT_station_load.csv and a map drawn in Python from
    ``walking_coverage`` and the stations as read say the same; the command's line counting the
    stations off the network does not count O5-2 (it is on it)."""
    import geopandas as gpd

    import spatial
    from spatial.cli import main

    paths = _town(tmp_path)
    stations = _stations(tmp_path / "站点.csv")
    out = tmp_path / "c.gpkg"
    assert main(["coverage", str(paths["network"]), str(stations), str(paths["units"]), "--out", str(out),
                 "--no-isochrones"]) == 0
    assert "off the network" not in capsys.readouterr().err
    with open(tmp_path / "c_station_load.csv", encoding="utf-8-sig") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    assert table["station_reason"].tolist() == ["", "its homes are all nearer 甲社区党群服务中心", ""]
    homes = gpd.read_file(paths["units"])
    listed = gpd.GeoDataFrame({"station_id": [s[0] for s in STATIONS], "name": [s[1] for s in STATIONS]},
                              geometry=gpd.points_from_xy([X0 + s[3] for s in STATIONS], [Y0 + s[4] for s in STATIONS]),
                              crs=UTM)
    walks = spatial.walking_coverage(homes, listed, spatial.read_network(gpd.read_file(paths["network"])))
    page = spatial.save_map(spatial.coverage_map(walks, listed, lang="en"), tmp_path / "m.html")
    said = {f["properties"]["name"]: f["properties"].get("reason") for f in _map(page)[0]["stations"]}
    assert said["丙社区党群服务站"] == "its homes are all nearer 甲社区党群服务中心"
    assert said["乙社区党群服务站"] is None


def test_a_station_at_the_same_place_as_another_is_not_said_to_be_farther():
    """A 站 in its 中心's building ties with it on every walk; the walks give the homes to one, and
    the other is at the same place, not farther: its reason says so (与…在同一位置，住户计入该站)."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    import spatial
    from spatial.io._figures import station_load_sheet, station_load_table

    streets = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "households": [100, 50]},
                             geometry=[Point(X0 + 100, Y0 + 20), Point(X0 + 600, Y0 + 20)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["O5-7", "O5-8"], "name": ["丁社区党群服务中心", "丁社区党群服务站"],
                                 "reason": ["", ""]}, geometry=[Point(X0, Y0), Point(X0, Y0)], crs=UTM)
    walks = spatial.walking_coverage(homes, stations, spatial.read_network(streets))
    load = spatial.station_load(walks, stations)
    served = dict(zip(load["station_id"], load["households_served"]))
    idle, busy = sorted(served, key=served.get)
    assert served[idle] == 0 and served[busy] == 150
    named = dict(zip(load["station_id"], load["name"]))
    assert load.set_index("station_id").loc[idle, "reason"] == f"at the same place as {named[busy]}, which counts its homes"
    sheet = station_load_sheet(station_load_table(load), "zh").set_index("station_id")
    assert sheet.loc[idle, "station_reason"] == f"与{named[busy]}在同一位置，住户计入该站"
    assert sheet.loc[busy, "station_reason"] is None
