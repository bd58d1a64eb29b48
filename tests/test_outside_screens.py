"""The maps and the grid editor with data the demo never has, as an official sees them on a phone
and a planner on a desktop: odd names, empty and extreme results, big plans, odd output paths."""

from __future__ import annotations

import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from test_maps_browser import browser  # noqa: F401  (one headless Chromium, as the map tests open it)
from spatial.maps._layers import BoxControl
from spatial.maps.interactive import coverage_map, save_map

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000


def _open(driver, path: Path, width: int, height: int) -> None:
    """Load ``path`` with the page's viewport at ``width`` x ``height`` and wait for the map."""
    driver.set_window_size(width, height)
    vw, vh = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(2 * width - vw, 2 * height - vh)
    driver.get_log("browser")
    driver.get(path.resolve().as_uri())
    for _ in range(100):
        if driver.execute_script("var c = document.querySelector('.folium-map');"
                                 "return c && c.getAttribute('data-sp-ready');"):
            break
        time.sleep(0.05)


#: The sources as a 街道 office writes them (census, stations' ledger, community outlines).
CREDITS = ["住户数：深圳市福田区香蜜湖街道办事处2025年房屋普查与人口登记数据（内部资料，请勿外传）",
           "党群服务站：福田区委组织部2025年党群服务阵地建设台账",
           "社区边界：福田区民政局2024年社区居委会辖区调整批复"]


def _credit_beside_scale_bar(browser, credits: list[str]) -> None:
    """The page's attribution shows every credit and lies clear of the scale bar, which shows."""
    seen = browser.execute_script("""
        var a = document.querySelector('.leaflet-control-attribution'), s = document.querySelector('.leaflet-control-scale');
        var r = a.getBoundingClientRect(), b = s.getBoundingClientRect();
        var hit = document.elementFromPoint(b.left + 10, b.bottom - 5);
        return {text: a.textContent, apart: r.left >= b.right || r.bottom <= b.top,
                bar: !!(hit && hit.closest('.leaflet-control-scale'))};""")
    assert all(c in seen["text"] for c in credits)
    assert seen["apart"] and seen["bar"], seen


def _boxes(m) -> dict[str, str]:
    """The map's legend and table boxes by kind, as the HTML they show."""
    out = {}
    for child in m._children.values():
        if isinstance(child, BoxControl):
            out["table" if "tablebox" in child.class_js else "legend"] = child.html_text
    return out


def _cells(row_html: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row_html)


def test_with_no_home_covered_the_table_still_shows_each_band_at_zero_as_the_summary_csv():
    # `spatial coverage --no-isochrones` where no home is within 5 or 10 minutes: the summary CSV
    # beside the map says 0.0 % for both bands; the map's table had no band column at all (the
    # bands were taken from the homes' bands, all 'beyond'), and its legend no band swatch.
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]},
                                   geometry=[box(X0, Y0, X0 + 400, Y0 + 400)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "community_id": ["C1", "C1"], "households": [30, 70],
                               "band": ["beyond", "beyond"]},
                              geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 300, Y0 + 300)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]},
                                geometry=[Point(X0 + 5000, Y0)], crs=UTM)
    summary = pd.DataFrame({"level": ["overall", "community"], "id": ["all", "C1"], "households": [100, 100],
                            "hh_5min": [0, 0], "pct_hh_5min": [0.0, 0.0],
                            "hh_10min": [0, 0], "pct_hh_10min": [0.0, 0.0]})
    boxes = _boxes(coverage_map(demand, stations, summary=summary, communities=communities))
    rows = boxes["table"].split("</tr>")
    assert _cells(rows[0]) == ["社区", "户数", "5分钟", "10分钟"]
    assert _cells(rows[1]) == ["全部", "100", "0.0", "0.0"]
    assert _cells(rows[2])[1:] == ["100", "0.0", "0.0"]
    assert "5分钟内" in boxes["legend"] and "10分钟内" in boxes["legend"]


@pytest.mark.browser
def test_on_a_phone_a_table_of_forty_communities_shows_ten_rows_at_a_time_under_its_header(browser, tmp_path):
    # A 街道 of 40 communities on a 390x844 phone: the coverage table, a box that scrolls, was
    # squeezed by the sheet (a flex column) to a 139 px sliver of 3 rows at its foot, and the
    # sheet itself did not scroll; scrolled in that sliver, the rows lost their header (which
    # column is 5 min and which 15 min). Now the sheet scrolls to the table, which shows half a
    # screen of rows under a header row that stays.
    from selenium.webdriver.common.by import By

    cells = [box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(40)]
    communities = gpd.GeoDataFrame({"community_id": [f"C{i + 1:02d}" for i in range(40)],
                                    "name": [f"香蜜湖街道第{i + 1}号社区" for i in range(40)]},
                                   geometry=cells, crs=UTM)
    demand = gpd.GeoDataFrame({"community_id": communities["community_id"], "households": 100,
                               "band": ["5min", "15min", "beyond", "10min"] * 10},
                              geometry=[c.centroid for c in cells], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0 + 50, Y0 + 50)],
                                crs=UTM)
    path = save_map(coverage_map(demand, stations, communities=communities), tmp_path / "c40.html")
    _open(browser, path, 390, 844)
    browser.find_element(By.CSS_SELECTOR, ".sp-dock-toggle").click()
    seen = browser.execute_script("""
        var dock = document.querySelector('.sp-dock'), t = dock.querySelector('.sp-tablebox');
        dock.scrollTop = dock.scrollHeight; t.scrollTop = t.scrollHeight;   // to the table's last row
        var top = Math.max(t.getBoundingClientRect().top, document.querySelector('.sp-dock-head')
                           .getBoundingClientRect().bottom), bottom = Math.min(t.getBoundingClientRect().bottom, innerHeight);
        var rows = Array.from(t.querySelectorAll('tr')).slice(1).filter(function (r) {
          var b = r.getBoundingClientRect(); return b.top >= top - 1 && b.bottom <= bottom + 1; });
        var th = t.querySelector('th').getBoundingClientRect();
        var hit = document.elementFromPoint(th.left + th.width / 2, th.top + th.height / 2);
        return {rows: rows.map(function (r) { return r.cells[0].textContent; }),
                header: th.top >= top - 1 && th.bottom <= bottom && hit && hit.tagName === 'TH'};""")
    assert len(seen["rows"]) >= 10, seen
    assert seen["rows"][-1] == "香蜜湖街道第40号社区 C40"
    assert seen["header"], seen
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_names_and_credits_with_jinja_braces_are_drawn_as_written():
    # branca compiles each element's rendered script as a Jinja template again: a station named
    # "{{x}} 站" was drawn, listed and searched as " 站", and a community "{% raw %}社区" (or a
    # credit "{# 普查 #}") ended `spatial map` in "jinja2.exceptions.TemplateSyntaxError: Missing
    # end of raw directive".
    import json

    station, community, credit = "{{x}} 站 {{ 1 + 1 }}", "{% raw %}社区", "住户数：{# 普查 #}"
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": [community]},
                                   geometry=[box(X0, Y0, X0 + 400, Y0 + 400)], crs=UTM)
    demand = gpd.GeoDataFrame({"community_id": ["C1"], "households": [30], "band": ["5min"]},
                              geometry=[Point(X0 + 100, Y0 + 100)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": [station]}, geometry=[Point(X0 + 50, Y0 + 50)],
                                crs=UTM)
    m = coverage_map(demand, stations, communities=communities, credits=credit)
    page = m.get_root().render()
    strings = {json.loads(s) for s in re.findall(r'"(?:[^"\\\n]|\\.)*"', page)}
    assert station in strings                                            # the stations' layer and search
    assert community in strings                                          # the communities' layer
    assert any(community in s and "C1" in s for s in strings if "<table" in s)   # the coverage table
    assert "住户数：{# 普查 #}" in strings                                  # the credit line
    assert "站 2" not in page                                             # {{ 1 + 1 }} was never worked out


@pytest.mark.browser
def test_on_a_phone_a_popup_wraps_a_long_name_with_no_spaces_inside_its_box(browser, tmp_path):
    # A station named in pinyin without spaces (60 letters) and a type that is a web address:
    # on a 390x844 phone the popup (260 px) cut both off at its right edge, the rest of the name
    # and the address unreadable. Now they wrap inside the popup.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    name = "XiangmihuShequDangqunFuwuZhongxinYanshenFuwudianDiyiWangge"
    kind = "https://example.org/stations/xiangmihu/extension-point-one"
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": [name], "type": [kind]},
                                geometry=[Point(X0 + 200, Y0 + 200)], crs=UTM)
    demand = gpd.GeoDataFrame({"households": [30, 40], "band": ["5min", "beyond"]},
                              geometry=[Point(X0, Y0), Point(X0 + 400, Y0 + 400)], crs=UTM)
    path = save_map(coverage_map(demand, stations), tmp_path / "long.html")
    _open(browser, path, 390, 844)
    map_id = browser.execute_script("return document.querySelector('.folium-map').id")
    lat, lon = stations.to_crs(4326).geometry.iloc[0].coords[0][::-1]
    x, y = browser.execute_script("var p = window[arguments[0]].latLngToContainerPoint([arguments[1], arguments[2]]);"
                                  "return [p.x, p.y];", map_id, lat, lon)
    el = browser.find_element(By.ID, map_id)
    ActionChains(browser).move_to_element_with_offset(el, x - el.rect["width"] / 2,
                                                      y - el.rect["height"] / 2).click().perform()
    time.sleep(0.3)
    seen = browser.execute_script("""
        var pop = document.querySelector('.leaflet-popup-content'), box = pop.getBoundingClientRect();
        var cut = Array.from(pop.querySelectorAll('*')).filter(function (e) {
          return e.getBoundingClientRect().right > box.right + 1 || e.scrollWidth > e.clientWidth + 1; });
        return {text: pop.textContent, right: box.right, cut: cut.map(function (e) { return e.textContent.slice(0, 20); })};""")
    assert name in seen["text"] and kind in seen["text"]
    assert seen["cut"] == [] and seen["right"] <= 390, seen


@pytest.mark.browser
def test_on_a_desktop_the_editor_wraps_long_grid_names_and_keeps_the_status_in_the_panel(browser, tmp_path):
    # Grids named as 街道 offices name them (香蜜湖街道上沙社区第1网格, 13 characters): the names
    # did not wrap, so in the 380 px panel of a 1400x900 desktop the households, units and status
    # columns (不足/超额) of the flagged grids ran off its right edge, behind a sideways scroll.
    from spatial.maps.editor import save_grid_editor

    names = ["香蜜湖街道上沙社区第1网格", "香蜜湖街道上沙社区第2网格"]
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U4"], "grid_id": [names[0]] * 2 + [names[1]] * 2,
                              "households": [100, 120, 300, 320], "population": [250, 300, 750, 800]},
                             geometry=[box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(4)],
                             crs=UTM)
    path = save_grid_editor(units, tmp_path / "editor.html", min_households=300, max_households=500)
    browser.set_window_size(1400, 900)
    browser.get(path.resolve().as_uri())
    for _ in range(100):
        if browser.execute_script("return document.body.getAttribute('data-ready') === '1'"):
            break
        time.sleep(0.1)
    seen = browser.execute_script("""
        var panel = document.querySelector('.sp-panel'), right = panel.getBoundingClientRect().right;
        var rows = Array.from(document.querySelectorAll('#sp-flags tr[data-grid]'));
        return {rows: rows.map(function (r) { return r.cells[0].textContent + ' ' + r.cells[r.cells.length - 1].textContent; }),
                out: Array.from(panel.querySelectorAll('td, th, .sp-chip')).filter(function (e) {
                  return e.getBoundingClientRect().right > right + 1; }).map(function (e) { return e.textContent; }),
                sideways: Array.from(panel.querySelectorAll('*')).filter(function (e) {
                  return e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'; }).length};""")
    assert sorted(seen["rows"]) == [f"{names[0]} 不足", f"{names[1]} 超额"]
    assert seen["out"] == [] and seen["sideways"] == 0, seen


@pytest.mark.browser
def test_on_a_desktop_a_long_credit_line_wraps_beside_the_scale_bar_not_over_it(browser, tmp_path):
    # The sources as a 街道 office writes them (census, stations' ledger, community outlines): on
    # a 1400x900 desktop the one-line attribution ran from x=9 to the right edge and hid the
    # scale bar (x 5-100) under it. Now it wraps to the right of the bar.
    credits = CREDITS
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0 + 200, Y0 + 200)],
                                crs=UTM)
    demand = gpd.GeoDataFrame({"households": [30, 40], "band": ["5min", "beyond"]},
                              geometry=[Point(X0, Y0), Point(X0 + 400, Y0 + 400)], crs=UTM)
    path = save_map(coverage_map(demand, stations, credits=credits), tmp_path / "credits.html")
    _open(browser, path, 1400, 900)
    _credit_beside_scale_bar(browser, credits)


@pytest.mark.browser
@pytest.mark.parametrize("width, height", [(1400, 900), (390, 844)])
def test_the_editors_long_credit_line_wraps_beside_the_scale_bar_not_over_it(browser, tmp_path, width, height):
    # The editor with the planner's sources given by --credit: its attribution ran across the
    # whole map (x 0-1020 on a 1400x900 desktop, four lines on a phone) over the scale bar.
    from spatial.maps.editor import save_grid_editor

    credits = CREDITS
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "grid_id": ["G1", "G2"], "households": [300, 320]},
                             geometry=[box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(2)],
                             crs=UTM)
    path = save_grid_editor(units, tmp_path / "editor.html", credits=credits)
    browser.set_window_size(width, height)
    vw, vh = browser.execute_script("return [innerWidth, innerHeight]")
    browser.set_window_size(2 * width - vw, 2 * height - vh)
    browser.get(path.resolve().as_uri())
    for _ in range(100):
        if browser.execute_script("return document.body.getAttribute('data-ready') === '1'"):
            break
        time.sleep(0.1)
    _credit_beside_scale_bar(browser, credits)


def test_names_that_are_numbers_read_as_decimals_are_the_same_in_the_table_as_on_the_map():
    # Communities named by number, one left blank: the column is read as floats, and the coverage
    # table said "101.0" where the map's label and popup said "101".
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "name": [101.0, float("nan")]},
                                   geometry=[box(X0, Y0, X0 + 400, Y0 + 400), box(X0 + 400, Y0, X0 + 800, Y0 + 400)],
                                   crs=UTM)
    demand = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "households": [30, 40], "band": ["5min", "beyond"]},
                              geometry=[Point(X0 + 10, Y0 + 10), Point(X0 + 500, Y0 + 10)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    rows = _boxes(coverage_map(demand, stations, communities=communities))["table"].split("</tr>")
    assert _cells(rows[2])[0] == '101 <span class="sp-small">C1</span>'
    assert _cells(rows[3])[0] == "C2"                                    # no name: its id


def test_a_plan_drawn_for_another_band_is_drawn_by_its_own_status_not_against_300_to_500(tmp_path):
    # `spatial grids --min 200 --max 400` then `spatial map --grids`: the grids' band_status said
    # all 211 demo grids were in their band, but the map checked them against 300-500 and drew
    # 115 as "不足 300 户". Two grids of 250 and 380 households, drawn for 200-400: both in.
    from spatial.cli import main
    from spatial.maps.from_files import map_from_files

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "community_id": ["C1", "C1"], "households": [250, 380],
                              "band_status": ["in", "in"]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    path = tmp_path / "plan.gpkg"
    grids.to_file(path, layer="grids")
    legend = _boxes(map_from_files(grids=path))["legend"]
    assert "低于户数标准 (0)" in legend and "符合户数标准 (2)" in legend and "高于户数标准 (0)" in legend
    assert "不足 300 户" not in legend
    legend = _boxes(map_from_files(grids=path, min_households=300, max_households=500))["legend"]
    assert "不足 300 户 (1)" in legend and "300–500 户 (1)" in legend    # a band given is the band used
    grids.assign(households=[350, 420]).to_file(path, layer="grids")     # agrees with 300-500: in numbers
    assert "300–500 户 (2)" in _boxes(map_from_files(grids=path))["legend"]
    assert main(["-q", "map", "--grids", str(path), "--max-households", "400", "--out", str(tmp_path / "m.html")]) == 0
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "超过 400 户 (1)" in page                                       # one bound given: 300 for the other


def test_the_editor_says_when_a_plan_was_drawn_for_another_band_than_it_checks(tmp_path, capsys):
    # `spatial editor` of a plan drawn with --min 200 --max 400 checked it against 300-500 without
    # a word: 115 of the demo's 211 grids, all in their band, were flagged 不足. The page needs the
    # band in numbers (it re-checks grids as units move): the command now says to give it.
    from spatial.cli import main

    cells = [box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U4"], "grid_id": ["G1", "G1", "G2", "G2"],
                              "community_id": "C1", "households": [120, 130, 190, 190]}, geometry=cells, crs=UTM)
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "community_id": "C1", "households": [250, 380],
                              "band_status": ["in", "in"]},
                             geometry=[box(X0, Y0, X0 + 200, Y0 + 100), box(X0 + 200, Y0, X0 + 400, Y0 + 100)], crs=UTM)
    plan = tmp_path / "plan.gpkg"
    units.to_file(plan, layer="units")
    grids.to_file(plan, layer="grids")
    assert main(["editor", str(plan), "--out", str(tmp_path / "e.html")]) == 0
    err = capsys.readouterr().err
    assert "1 of the 2 grids of 'plan.gpkg' are under, in or over 300-500 households here but not as drawn" in err
    assert "give it with --min and --max" in err
    assert main(["editor", str(plan), "--min", "200", "--max", "400", "--out", str(tmp_path / "e.html")]) == 0
    assert "another band" not in capsys.readouterr().err


def test_homes_in_no_community_count_in_the_tables_all_row_as_in_the_summary_csv():
    # coverage_map(demand, ...) without a summary, one home (4 households, uncovered) outside every
    # community outline (community_id empty): the table's 全部 row said 3 households, 100.0 %
    # covered, the home dropped; coverage_summary (the CSV) counts 7 and 42.9 %, and names the
    # homes in no community '(none)'.
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]},
                                   geometry=[box(X0, Y0, X0 + 400, Y0 + 400)], crs=UTM)
    demand = gpd.GeoDataFrame({"community_id": ["C1", None], "households": [3, 4], "band": ["5min", "beyond"]},
                              geometry=[Point(X0 + 10, Y0 + 10), Point(X0 + 900, Y0 + 10)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    rows = _boxes(coverage_map(demand, stations, communities=communities))["table"].split("</tr>")
    assert _cells(rows[1]) == ["全部", "7", "42.9"]
    assert [_cells(r)[1:] for r in rows[2:4]] == [["4", "0.0"], ["3", "100.0"]]
    assert _cells(rows[2])[0] == "（不在任何社区）"  # named as the workbook's 社区 and 建站前后 sheets name it


@pytest.mark.browser
def test_on_a_desktop_a_short_credit_line_stays_one_line_clear_of_the_panels(browser, tmp_path):
    # The corner box of the credits shrinks to fit its text, so a width of the credits' own in
    # per cent of it wrapped even "Leaflet | © OpenStreetMap contributors" onto two lines, over
    # the foot of the coverage table on a 1400x900 desktop. The limit is the map's width now.
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0 + 200, Y0 + 200)],
                                crs=UTM)
    demand = gpd.GeoDataFrame({"households": [30, 40], "band": ["5min", "beyond"]},
                              geometry=[Point(X0, Y0), Point(X0 + 400, Y0 + 400)], crs=UTM)
    path = save_map(coverage_map(demand, stations), tmp_path / "short.html")
    _open(browser, path, 1400, 900)
    seen = browser.execute_script("""
        var a = document.querySelector('.leaflet-control-attribution').getBoundingClientRect();
        var line = parseFloat(getComputedStyle(document.querySelector('.leaflet-control-attribution')).lineHeight) || 16;
        var dock = document.querySelector('.sp-dock'), d = dock ? dock.getBoundingClientRect() : null;
        return {height: a.height, line: line, apart: !d || a.top >= d.bottom || a.right <= d.left || a.left >= d.right};""")
    assert seen["height"] < 1.8 * seen["line"], seen
    assert seen["apart"], seen


# ----------------------------------------------------------------- old in-app browsers, offline
def _acorn() -> str | None:
    """The folder of an ``acorn`` JavaScript parser that ``node`` can load: ``NODE_PATH``, the
    copy ``make test`` installs with npm into ``.cache/node`` beside the tests (tests do not
    install), or npm's global folder; None if there is none."""
    import os
    import shutil
    import subprocess

    if not shutil.which("node"):
        return None
    roots = [p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    roots.append(str(Path(__file__).resolve().parents[1] / ".cache" / "node" / "node_modules"))
    if shutil.which("npm"):
        glob = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, timeout=60, check=False)
        roots.append(glob.stdout.strip())
    for root in roots:
        if root and (Path(root) / "acorn" / "package.json").exists():
            return root
    return None


#: Parse each inline script of the pages named on the command line at ECMAScript 2017 (what
#: WeChat's X5 kernel, Chromium 57, and iOS 11 Safari read); print one line per script it rejects.
ES2017 = r"""
var fs = require('fs'), acorn = require('acorn');
process.argv.slice(1).forEach(function (f) {
  var html = fs.readFileSync(f, 'utf8'), re = /<script([^>]*)>([\s\S]*?)<\/script>/gi, m;
  while ((m = re.exec(html))) {
    if (/type=/i.test(m[1]) && !/text\/javascript/i.test(m[1])) continue;
    try { acorn.parse(m[2], {ecmaVersion: 2017, sourceType: 'script'}); }
    catch (e) {
      var line = m[2].split('\n')[e.loc.line - 1];
      console.log(f.split('/').pop() + ': ' + e.message + ' at ' + line.slice(Math.max(0, e.loc.column - 40), e.loc.column + 20).trim());
    }
  }
});
"""


def test_every_script_of_the_maps_and_the_editor_reads_as_es2017_for_wechats_browser(tmp_path):
    # WeChat opens a forwarded map in its X5/XWeb kernel (Chromium 57 on many phones still) and
    # an iPhone in iOS 11/12 Safari: folium wrote the map's options as an object spread
    # (`L.map(id, {center: .., ...{"zoom": 14}})`, ES2018), a SyntaxError there, so the whole
    # map script stopped and the page was blank. Every script now parses at ES2017.
    import os
    import subprocess

    from spatial.maps.editor import save_grid_editor
    from spatial.maps.interactive import grid_map, overview_map

    root = _acorn()
    if root is None:
        pytest.skip("needs node and the 'acorn' npm package ('make test' installs it where npm is)")
    cells = [box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U4"], "grid_id": ["G1", "G1", "G2", "G2"],
                              "households": [150, 200, 250, 300]}, geometry=cells, crs=UTM)
    grids = units.dissolve("grid_id", aggfunc="sum", as_index=False)
    demand = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "households": [30, 70], "band": ["5min", "beyond"]},
                              geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 50)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    pages = [save_map(grid_map(grids), tmp_path / "网格划分.html"),
             save_map(coverage_map(demand, stations), tmp_path / "coverage.html"),
             save_map(overview_map(grids=grids, demand=demand, stations=stations), tmp_path / "overview.html"),
             save_grid_editor(units, tmp_path / "grid_editor.html")]
    out = subprocess.run(["node", "-e", ES2017, *map(str, pages)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "NODE_PATH": root}, check=True)
    assert out.stdout == "", out.stdout


@pytest.mark.parametrize("lang, html_lang, title", [("zh", "zh-CN", "网格划分"), ("en", "en", "Management grids")])
def test_a_saved_map_says_its_language_charset_title_and_phone_viewport_at_its_head(tmp_path, lang, html_lang, title):
    # Opened from WeChat's download folder as a file:// page, with no server to say the language:
    # the maps wrote a bare <html> (the editor says lang="zh-CN"), so an Android phone set to
    # English or Japanese drew the names in its Japanese Han glyphs and read them aloud as such.
    from spatial.maps.interactive import grid_map

    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "households": [400]}, geometry=[box(X0, Y0, X0 + 100, Y0 + 100)],
                             crs=UTM)
    page = save_map(grid_map(grids, lang=lang), tmp_path / f"{title}.html").read_bytes()
    head = page[:1024].decode("utf-8", errors="ignore")  # where a browser looks for the charset
    assert re.search(r"<html lang=\"([^\"]+)\">", head).group(1) == html_lang
    assert re.search(r"charset=utf-8", head, re.IGNORECASE)
    assert f"<title>{title}</title>" in head
    assert re.search(r'<meta name="viewport" content="width=device-width,', page.decode("utf-8"))


@pytest.mark.browser
def test_offline_a_map_asked_for_basemap_tiles_says_they_are_missing_and_draws_the_rest(browser, tmp_path):
    # `spatial map --tiles osm` opened on an intranet: every tile request failed and the page
    # showed the layers on bare grey with no word of why; now it says the basemap did not load.
    from selenium.webdriver.common.by import By

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [400, 420]},
                             geometry=[box(X0, Y0, X0 + 300, Y0 + 300), box(X0 + 300, Y0, X0 + 600, Y0 + 300)], crs=UTM)
    from spatial.maps.interactive import grid_map

    for tiles, said in (("osm", "底图未能加载"), (None, None)):
        path = save_map(grid_map(grids, tiles=tiles), tmp_path / f"grids_{tiles}.html")
        _open(browser, path, 390, 844)
        for _ in range(40 if tiles else 1):
            if browser.execute_script("return document.querySelector('.folium-map').getAttribute('data-sp-tiles')"):
                break
            time.sleep(0.05)
        notes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".sp-tiles-missing") if e.is_displayed()]
        assert [n[:6] for n in notes] == ([said] if said else [])
        drawn = browser.execute_script("""
            var m = window[document.querySelector('.folium-map').id], n = 0;
            m._spLayers.forEach(function (r) { r.layer.eachLayer(function () { n++; }); }); return n;""")
        assert drawn == 2  # both grids
        if said:
            clear = browser.execute_script("""
                var n = document.querySelector('.sp-tiles-missing').getBoundingClientRect(),
                    s = document.querySelector('.leaflet-control-scale').getBoundingClientRect();
                return n.bottom <= s.top && n.right <= innerWidth;""")
            assert clear


def test_a_map_writes_outlines_as_integer_steps_and_they_decode_to_the_same_points():
    # The maps wrote each vertex as '[114.000812,22.549975],' (23 bytes): the demo's overview was
    # 1.91 MB and coverage 1.68 MB to send through WeChat and parse on a phone. Lines and
    # polygons are now runs of integer steps of 1e-6 degree (overview 1.03 MB, coverage 0.93 MB)
    # that decode to the very coordinates the page drew before (a hole, a multipart and a line).
    import json

    from shapely.geometry import LineString, MultiPolygon, Polygon

    from spatial.maps._data import decode, layer_json

    ring = [(X0 + 300 * np.cos(a), Y0 + 300 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 1000)[:-1]]
    holed = Polygon(ring, [[(X0 - 50, Y0 - 50), (X0 + 50, Y0 - 50), (X0 + 50, Y0 + 50)]])
    shapes = [holed, MultiPolygon([box(X0 + 400, Y0, X0 + 500, Y0 + 100), box(X0 + 600, Y0, X0 + 700, Y0 + 90)]),
              LineString([(X0, Y0), (X0 + 1000.04, Y0 + 3)]), Point(X0, Y0)]
    gdf = gpd.GeoDataFrame({"unit_id": ["A", "B", "C", "D"]}, geometry=shapes, crs=UTM)
    text, n, _ = layer_json(gdf, "units", {"unit_id": list(gdf["unit_id"])}, None, gcj02=False, report=None)
    want = json.loads(gdf.to_crs(4326).to_json(drop_id=True))  # GeoJSON as geopandas writes it
    got = decode(text)
    assert n == 4 and [f["geometry"]["type"] for f in got] == [f["geometry"]["type"] for f in want["features"]]
    for f, w in zip(got, want["features"]):
        a = np.array(shapely.get_coordinates(shapely.geometry.shape(f["geometry"])))
        b = np.round(shapely.get_coordinates(shapely.geometry.shape(w["geometry"])), 6)
        assert np.array_equal(a, b)
    assert len(text) / (len(ring) + 3 + 10 + 2 + 1) < 12  # bytes a vertex, 23 as GeoJSON


#: The spaces between the dock's boxes and between the editor's buttons, in px, as drawn (buttons not
#: shown on this screen, such as 收起/展开 and 问题网格 on a laptop, have no box and are left out).
SPACES = """
function apart(els, across) { var out = [];
  for (var i = 1; i < els.length; i++) { var a = els[i - 1].getBoundingClientRect(), b = els[i].getBoundingClientRect();
    if (!across || Math.abs(a.top - b.top) < 1) { out.push(Math.round(across ? b.left - a.right : b.top - a.bottom)); } }
  return out; }
var dock = document.querySelector('.sp-dock'), row = document.querySelector('.sp-row');
if (dock) { return apart(Array.from(dock.children).filter(function (e) { return e.offsetParent !== null; }), false); }
return apart(Array.from(row.children).filter(function (e) { return e.offsetParent !== null; }), true);"""


def _as_an_old_engine(path: Path) -> Path:
    """The page as an engine with no gap in flexbox and no inset reads it (WeChat's X5, iOS 12)."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"(\.sp-(?:dock|row) \{[^}]*?)gap: \d+px;", r"\1", page).replace("@supports not (inset: 0)",
                                                                                   "@supports (display: block)")
    old = path.with_name("old-" + path.name)
    old.write_text(page, encoding="utf-8")
    return old


@pytest.mark.browser
def test_in_an_engine_without_flex_gap_the_dock_boxes_and_editor_buttons_keep_their_spacing(browser, tmp_path):
    # The dock's boxes (layers, legend, table) and the editor's rows of buttons were spaced only
    # by `gap` in flexbox, which WeChat's X5 kernel (Chromium 57-83) and iOS Safari before 14.5
    # do not know: there the boxes ran into each other and the buttons touched (0 px apart).
    from spatial.maps.editor import save_grid_editor

    cells = [box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U4"], "grid_id": ["G1", "G1", "G2", "G2"],
                              "households": [150, 200, 250, 300]}, geometry=cells, crs=UTM)
    demand = gpd.GeoDataFrame({"households": [30, 70, 50, 20], "band": ["5min", "beyond", "10min", "15min"]},
                              geometry=[c.centroid for c in cells], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    page = save_map(coverage_map(demand, stations), tmp_path / "coverage.html")
    editor = save_grid_editor(units, tmp_path / "grid_editor.html")
    for path, wanted in ((page, 8), (editor, 6)):
        seen = []
        for shown in (path, _as_an_old_engine(path)):
            _open(browser, shown, 1400, 900)
            seen.append(browser.execute_script(SPACES))
        assert len(seen[0]) >= 2 and set(seen[0]) == {wanted}, seen
        assert seen[1] == seen[0]
