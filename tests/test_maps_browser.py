"""Maps in a real browser (Debian chromium + chromedriver, selenium), networking off.

One browser for the module. Tiny hand-made layers check that every layer draws offline with no
JavaScript error and that names are shown as text; the demo's maps are then used as an official
would: on a 390x844 phone the controls leave the map free, on a 1400x900 desktop no panel
covers the study area, real clicks at container points inside grids open those grids' popups, a
click on an uncovered unit says why, and the search finds a station by id and by part of its name.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from conftest import headless_chromium
from spatial.cli import main
from spatial.maps._style import reason_label
from spatial.maps.interactive import CANVAS_ABOVE, coverage_map, grid_map, overview_map, save_map

pytestmark = pytest.mark.browser

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
EVIL = "<script>alert(1)</script>"
REMOTE = re.compile(r'src="http|href="http|@import url\(http|url\(http', re.IGNORECASE)
PHONE, DESKTOP = (390, 844), (1400, 900)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module, every host name resolving to nothing."""
    driver = headless_chromium("--hide-scrollbars")
    yield driver
    driver.quit()


def open_map(driver, path: Path, size: tuple[int, int]) -> str:
    """Load ``path`` with the page's viewport at ``size``; return the map's JS variable name."""
    w, h = size
    driver.set_window_size(w, h)
    vw, vh = driver.execute_script("return [innerWidth, innerHeight]")
    driver.set_window_size(2 * w - vw, 2 * h - vh)
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(Path(path).resolve().as_uri())
    for _ in range(100):
        if driver.execute_script("var c = document.querySelector('.folium-map');"
                                 "return c && c.getAttribute('data-sp-ready');"):
            break
        time.sleep(0.05)
    assert driver.execute_script("return [innerWidth, innerHeight]") == [w, h]
    return driver.execute_script("return document.querySelector('.folium-map').id")


def errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def texts(driver, css: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent.trim())", css)


def click(driver, map_id: str, lat: float, lon: float) -> dict | None:
    """A real mouse click at the container point of (lat, lon) in the first view; the popup."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    x, y = driver.execute_script(
        "var m = window[arguments[0]]; m.closePopup();"
        "if (m._spFirst) { m.setView(m._spFirst[0], m._spFirst[1], {animate: false}); }"
        "else { m._spFirst = [m.getCenter(), m.getZoom()]; }"
        "var p = m.latLngToContainerPoint([arguments[1], arguments[2]]); return [p.x, p.y];",
        map_id, lat, lon)
    el = driver.find_element(By.ID, map_id)
    ActionChains(driver).move_to_element_with_offset(el, x - el.rect["width"] / 2,
                                                     y - el.rect["height"] / 2).click().perform()
    return popup(driver)


def popup(driver) -> dict | None:
    return driver.execute_script("""
        var p = document.querySelector('.leaflet-popup .sp-pop');
        if (!p) { return null; }
        var top = p.querySelector('.sp-main');
        return {layer: top.getAttribute('data-layer'), title: (top.querySelector('.sp-title') || {}).textContent,
                text: p.textContent, top: top.textContent,
                tags: p.querySelectorAll('script,img,iframe').length};""")


# ----------------------------------------------------------------------------- tiny layers
@pytest.fixture(scope="module")
def layers():
    grids = gpd.GeoDataFrame(
        {"grid_id": ["G1", "G2", "G3"], "households": [250, 400, 620]},
        geometry=[box(X0 + 300 * i, Y0, X0 + 300 * (i + 1), Y0 + 300) for i in range(3)], crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜湖社区"]},
                                   geometry=[box(X0, Y0, X0 + 900, Y0 + 300)], crs=UTM)
    network = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0 + 150), (X0 + 900, Y0 + 150)])], crs=UTM)
    demand = gpd.GeoDataFrame(
        {"unit_id": ["u1", "u2", "u3"], "community_id": ["C1"] * 3, "households": [100, 200, 50],
         "band": ["5min", "10min", "beyond"], "synthetic": True},
        geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 400, Y0 + 200), Point(X0 + 800, Y0 + 250)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": [EVIL, "莲花党群服务中心"]},
                                geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 450, Y0 + 150)], crs=UTM)
    iso = gpd.GeoDataFrame({"station_id": ["S1", "S1"], "band": ["5min", "10min"]},
                           geometry=[Point(X0 + 50, Y0 + 50).buffer(300), Point(X0 + 50, Y0 + 50).buffer(600)],
                           crs=UTM)
    gaps = gpd.GeoDataFrame({"gap_id": [1], "rank": [1], "households": [50]},
                            geometry=[box(X0 + 750, Y0, X0 + 900, Y0 + 300)], crs=UTM)
    return dict(grids=grids, communities=communities, network=network, demand=demand, stations=stations,
                iso=iso, gaps=gaps)


def test_grid_map_draws_offline(browser, tmp_path, layers):
    path = save_map(grid_map(layers["grids"], communities=layers["communities"],
                             network_edges=layers["network"]), tmp_path / "grids.html")
    open_map(browser, path, DESKTOP)
    assert errors(browser) == []
    assert browser.execute_script("return document.querySelectorAll('.leaflet-pane svg path').length") == 5
    assert texts(browser, ".leaflet-control-layers-overlays label") == ["社区边界", "网格", "步行路网"]
    boxes = " ".join(texts(browser, ".sp-dock .sp-box"))
    assert "网格户数" in boxes and "不足 300 户 (1)" in boxes
    # G2's label would sit under the community's name, which goes first
    assert sorted(texts(browser, ".leaflet-tooltip.sp-label:not(.sp-hidden)")) == ["G1", "G3", "香蜜湖社区"]
    assert texts(browser, ".leaflet-control-measure-toggle") and texts(browser, ".leaflet-control-scale-line")
    assert browser.execute_script("return document.querySelectorAll('.leaflet-control-zoom-fullscreen').length")
    assert "© OpenStreetMap contributors" in texts(browser, ".leaflet-control-attribution")[0]


def test_long_grid_ids_show_their_number_where_the_whole_id_does_not_fit(browser, tmp_path):
    """Grids named by a 12-digit community code ("310101002001-07", as Shanghai numbers them) are
    too small at the first view for the whole id: each shows its number in the community ("07"),
    and the whole id once zoomed in far enough."""
    cid = "310101002001"
    grids = gpd.GeoDataFrame(
        {"grid_id": [f"{cid}-{i + 1:02d}" for i in range(36)], "community_id": cid, "households": 400},
        geometry=[box(X0 + 60 * (i % 6), Y0 + 60 * (i // 6), X0 + 60 * (i % 6 + 1), Y0 + 60 * (i // 6 + 1))
                  for i in range(36)], crs=UTM)
    map_id = open_map(browser, save_map(grid_map(grids), tmp_path / "grids.html"), PHONE)
    assert errors(browser) == []
    first = texts(browser, ".leaflet-tooltip.sp-label:not(.sp-hidden)")
    assert len(first) >= 20 and all(re.fullmatch(r"\d\d", t) for t in first), first
    browser.execute_script(f"var m = window[arguments[0]]; m.setZoom(m.getZoom() + 3, {{animate: false}});"
                           f"m.fire('zoomend'); m.fire('moveend');", map_id)
    time.sleep(0.3)
    zoomed = texts(browser, ".leaflet-tooltip.sp-label:not(.sp-hidden)")
    assert zoomed and all(t.startswith(cid + "-") for t in zoomed), zoomed


def test_coverage_map_names_are_text_and_searchable(browser, tmp_path, layers):
    from selenium.webdriver.common.by import By

    m = coverage_map(layers["demand"], layers["stations"], isochrones=layers["iso"], gaps=layers["gaps"],
                     communities=layers["communities"], network_edges=layers["network"])
    map_id = open_map(browser, save_map(m, tmp_path / "coverage.html"), DESKTOP)
    assert errors(browser) == []
    assert texts(browser, ".leaflet-control-layers-overlays label") == [
        "党群服务中心/站", "社区边界", "未覆盖居民单元", "已覆盖居民单元", "服务盲区（按户数排名）",
        "5分钟服务圈", "10分钟服务圈", "步行路网"]                    # top of the drawing first
    boxes = " ".join(texts(browser, ".sp-box"))
    assert "按步行速度 4.0 公里/小时计" in boxes and "各社区覆盖率" in boxes and "示意数据" in boxes
    lat, lon = layers["stations"].to_crs(4326).geometry.iloc[0].coords[0][::-1]
    got = click(browser, map_id, lat, lon)
    assert got["layer"] == "stations" and got["title"] == EVIL and got["tags"] == 0   # shown as text
    search = browser.find_element(By.CSS_SELECTOR, "input.search-input")
    for typed, tips in (("莲花", ["莲花党群服务中心 · S2"]), ("<scr", [EVIL + " · S1"])):
        search.clear()
        search.send_keys(typed)
        time.sleep(0.6)
        assert texts(browser, ".search-tip") == tips                 # listed as text, not markup
    assert errors(browser) == []


def test_english_overview_draws_offline(browser, tmp_path, layers):
    m = overview_map(layers["grids"], layers["demand"], layers["stations"], isochrones=layers["iso"],
                     communities=layers["communities"], lang="en")
    open_map(browser, save_map(m, tmp_path / "overview.html"), DESKTOP)
    assert errors(browser) == []
    assert texts(browser, ".leaflet-control-layers-overlays label") == [
        "Party-mass service stations", "Community boundaries", "Grids", "Units not covered", "Units covered",
        "5 min service area", "10 min service area"]
    boxes = " ".join(texts(browser, ".sp-box"))
    assert "At a walking speed of 4.0 km/h" in boxes and "Households per grid" in boxes


def test_many_residents_draw_on_a_canvas(browser, tmp_path):
    rng = np.random.default_rng(1)
    n = CANVAS_ABOVE + 1
    xy = rng.uniform(0, 2000, size=(n, 2))
    demand = gpd.GeoDataFrame({"band": rng.choice(["5min", "15min", "beyond"], n)},
                              geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]), crs=UTM)
    stations = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(X0, Y0)], crs=UTM)
    open_map(browser, save_map(coverage_map(demand, stations), tmp_path / "many.html"), DESKTOP)
    assert errors(browser) == []
    assert browser.execute_script("return document.querySelectorAll('.leaflet-pane canvas').length") >= 1
    assert browser.execute_script("return document.querySelectorAll('.leaflet-pane svg path').length") == 0


def test_screenshot_helper(tmp_path, layers):
    from spatial.maps.screenshot import find_chromium

    if find_chromium() is None:
        pytest.skip("no chromium")
    path = save_map(grid_map(layers["grids"]), tmp_path / "g.html")
    assert main(["-q", "screenshot", str(path), str(tmp_path / "g.png"), "--width", "640", "--height", "400"]) == 0
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_phone_screenshot_is_laid_out_at_the_phone_width(tmp_path):
    """Headless Chromium lays pages out at least 500 px wide: a 390 px picture must not be the
    left of a 500 px page. A bar at the right edge of the viewport and the width the page
    saw, painted as a colour, show what the page was laid out at."""
    from PIL import Image

    from spatial.maps.screenshot import find_chromium

    if find_chromium() is None:
        pytest.skip("no chromium")
    page = tmp_path / "edge.html"
    page.write_text('<html><body style="margin:0;background:#fff">'
                    '<div style="position:fixed;top:0;right:0;width:20px;height:50px;background:#00f"></div>'
                    '<div id="w" style="position:fixed;left:0;bottom:0;width:50px;height:50px"></div><script>'
                    'document.getElementById("w").style.background = innerWidth == 390 ? "#0f0" : "#f00";'
                    '</script></body></html>', encoding="utf-8")
    assert main(["-q", "screenshot", str(page), str(tmp_path / "p.png"), "--width", "390", "--height", "300",
                 "--wait-ms", "500"]) == 0
    with Image.open(tmp_path / "p.png") as im:
        rgb = im.convert("RGB")
        assert rgb.size == (390, 300)
        assert rgb.getpixel((380, 10)) == (0, 0, 255)  # the right edge of a 390 px viewport
        assert rgb.getpixel((10, 290)) == (0, 255, 0)  # innerWidth was 390


# ----------------------------------------------------------------------------- the demo maps
@pytest.fixture(scope="module")
def demo(demo_outputs):
    files = {p.name: p for p in demo_outputs}
    gpkg = files["results.gpkg"]
    return {"files": files, **{name: gpd.read_file(gpkg, layer=name) for name in
                               ("communities", "grids", "stations", "coverage_demand", "sites")}}


MAPS = ["overview.html", "coverage.html", "grids.html"]

COVERED_BY_CONTROLS = """
var W = innerWidth, H = innerHeight, n = 0, hit = 0;
for (var y = 3; y < H; y += 6) { for (var x = 3; x < W; x += 6) { n++;
  var e = document.elementFromPoint(x, y);
  if (e && e.closest('.leaflet-control, .sp-dock, .sp-dock-toggle')) { hit++; } } }
return hit / n;"""

FIRST_VIEW = """
var m = window[arguments[0]], pts = arguments[1], c = m.getContainer().getBoundingClientRect();
function rect(e) { var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }
return {
  xy: pts.map(function (p) { var q = m.latLngToContainerPoint([p[1], p[0]]); return [q.x + c.left, q.y + c.top]; }),
  panels: Array.from(document.querySelectorAll('.sp-dock, .leaflet-control'))
    .filter(function (e) { return e.offsetParent !== null && !e.closest('.sp-dock .leaflet-control')
                                  && !e.matches('.leaflet-control-attribution, .leaflet-control-scale'); })
    .map(rect),
  labels: Array.from(document.querySelectorAll('.leaflet-tooltip.sp-label:not(.sp-hidden)')).map(rect)};"""


def check_desktop_first_view(driver, demo, name: str, map_id: str) -> None:
    """The whole study area in view, no panel over it or over a station, labels shown, none colliding."""
    west, south, east, north = demo["communities"].total_bounds
    points = np.vstack([demo["stations"].get_coordinates().to_numpy(), [[west, south], [east, north]]])
    got = driver.execute_script(FIRST_VIEW, map_id, points.tolist())
    (x0, y1), (x1, y0) = got["xy"][-2], got["xy"][-1]          # the study area's box on screen
    assert 0 <= x0 and x1 <= DESKTOP[0] and 0 <= y0 and y1 <= DESKTOP[1], f"{name}: area not all in view"
    for px0, py0, px1, py1 in got["panels"]:
        assert px1 <= x0 or px0 >= x1 or py1 <= y0 or py0 >= y1, f"{name}: a panel covers the study area"
        for sx, sy in got["xy"][:-2]:
            assert not (px0 - 10 <= sx <= px1 + 10 and py0 - 10 <= sy <= py1 + 10), f"{name}: a station is covered"
    labels = got["labels"]
    assert len(labels) >= 10, f"{name}: only {len(labels)} labels at the first view"
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
            assert not overlap, f"{name}: labels collide at the first view"


def check_page(driver, path: Path) -> None:
    assert path.stat().st_size < 5e6, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"
    assert not REMOTE.findall(path.read_text(encoding="utf-8")), path.name
    assert driver.execute_script("return document.querySelectorAll('.leaflet-pane svg path').length") > 100
    assert len(texts(driver, ".leaflet-control-layers-overlays label")) >= 3, path.name
    assert "© OpenStreetMap contributors" in texts(driver, ".leaflet-control-attribution")[0]


def inner_points(layer: gpd.GeoDataFrame, markers: gpd.GeoDataFrame, *, inset_m: float, clear_m: float):
    """A point well inside each feature (``inset_m`` from its edge, where outlines are drawn) and
    whether it is ``clear_m`` from every marker (a marker on top rightly takes the click)."""
    utm = layer.estimate_utm_crs()
    shapes = layer.geometry.to_crs(utm)
    shrunk = shapes.buffer(-inset_m)
    pts = shrunk.where(~shrunk.is_empty, shapes).representative_point()
    clear = pts.distance(markers.to_crs(utm).union_all()).to_numpy() > clear_m
    return pts.to_crs(4326), clear


def test_overview_on_a_desktop(browser, demo):
    path = demo["files"]["overview.html"]
    map_id = open_map(browser, path, DESKTOP)
    check_page(browser, path)
    check_desktop_first_view(browser, demo, path.name, map_id)
    grids = demo["grids"]
    markers = gpd.GeoDataFrame(geometry=list(demo["stations"].geometry) + list(demo["sites"].geometry), crs=4326)
    inside, clear = inner_points(grids, markers, inset_m=25, clear_m=60)
    for i in random.Random(19).sample(list(np.flatnonzero(clear)), 8):   # real clicks inside 8 grids
        got = click(browser, map_id, inside.iloc[i].y, inside.iloc[i].x)
        assert got is not None, f"no popup for grid {grids['grid_id'].iloc[i]}"
        assert (got["layer"], got["title"]) == ("grids", grids["grid_code"].iloc[i])
        assert grids["grid_id"].iloc[i] in got["top"] and "户数" in got["top"] and "专职网格员" in got["top"]
    assert errors(browser) == []


def _uncovered_unit(demo):
    """An uncovered unit with a reason, clear of station markers (a unit too far from the
    network first, the commonest reason)."""
    demand = demo["coverage_demand"]
    far = demand[(demand["reason"].fillna("").str.len() > 0) & (demand["households"] > 0)]  # (none: 无住户)
    far = far.iloc[np.argsort((far["reason"] != "too far from network").to_numpy(), kind="stable")]
    inside, clear = inner_points(far, demo["stations"], inset_m=8, clear_m=80)
    i = int(np.flatnonzero(clear)[0])
    return far.iloc[i], inside.iloc[i]


def test_coverage_on_a_desktop_click_and_search(browser, demo):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = demo["files"]["coverage.html"]
    map_id = open_map(browser, path, DESKTOP)
    check_page(browser, path)
    check_desktop_first_view(browser, demo, path.name, map_id)
    unit, pt = _uncovered_unit(demo)
    got = click(browser, map_id, pt.y, pt.x)                   # a click on an uncovered unit says why
    assert (got["layer"], got["title"]) == ("demand_uncovered", unit["unit_id"])
    assert "未覆盖原因" in got["top"] and reason_label("zh", unit["reason"]) in got["top"]
    stations = demo["stations"]
    station = stations.iloc[4]
    part = next(station["name"][i:i + 3] for i in range(len(station["name"]))
                if stations["name"].str.contains(station["name"][i:i + 3], regex=False).sum() == 1)
    search = browser.find_element(By.CSS_SELECTOR, "input.search-input")
    for typed in (station["station_id"], part):                   # by id, and by part of the name
        browser.execute_script(f"window['{map_id}'].closePopup();")
        search.clear()
        search.send_keys(typed)
        time.sleep(0.6)
        assert f"{station['name']} · {station['station_id']}" in texts(browser, ".search-tip"), typed
        search.send_keys(Keys.ENTER)
        time.sleep(1.0)
        got = popup(browser)
        assert got is not None and (got["layer"], got["title"]) == ("stations", station["name"]), typed
    search.clear()
    search.send_keys("不存在的站")
    time.sleep(0.6)
    alert = browser.find_element(By.CSS_SELECTOR, ".search-alert")
    assert alert.is_displayed() and "未找到" in alert.text           # a message on a miss
    room = browser.execute_script("""
        var i = document.querySelector('input.search-input'), s = getComputedStyle(i);
        var ctx = document.createElement('canvas').getContext('2d'); ctx.font = s.font;
        return i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)
               - ctx.measureText(i.placeholder).width;""")
    assert room >= 0, "the search box cuts its placeholder"
    assert errors(browser) == []


def test_grids_on_a_desktop_and_the_measure_tool(browser, demo):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    path = demo["files"]["grids.html"]
    map_id = open_map(browser, path, DESKTOP)
    check_page(browser, path)
    check_desktop_first_view(browser, demo, path.name, map_id)
    browser.find_element(By.CSS_SELECTOR, ".leaflet-control-measure-toggle").click()
    browser.find_element(By.CSS_SELECTOR, ".leaflet-control-measure .js-start").click()
    el = browser.find_element(By.ID, map_id)
    ActionChains(browser).move_to_element_with_offset(el, -100, 0).click().pause(0.3).perform()
    ActionChains(browser).move_to_element_with_offset(el, 0, 50).click().pause(0.3).perform()
    browser.find_element(By.CSS_SELECTOR, ".leaflet-control-measure .js-finish").click()
    time.sleep(0.3)
    assert errors(browser) == []                                   # no missing marker images


def test_on_a_phone_the_map_has_the_screen_and_nothing_is_cut(browser, demo):
    from selenium.webdriver.common.by import By

    for name in MAPS:
        open_map(browser, demo["files"][name], PHONE)
        covered = browser.execute_script(COVERED_BY_CONTROLS)
        assert covered <= 0.35, f"{name}: controls cover {covered:.0%} of the phone screen at load"
        browser.find_element(By.CSS_SELECTOR, ".sp-dock-toggle").click()      # one button opens the sheet
        cut = browser.execute_script("""
            var out = [], dock = document.querySelector('.sp-dock'), r = dock.getBoundingClientRect();
            if (r.left < 0 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) { out.push('sheet'); }
            dock.querySelectorAll('.sp-box, .leaflet-control-layers, .leaflet-control-search').forEach(
              function (b) { if (b.scrollWidth > b.clientWidth + 1) { out.push(b.textContent.slice(0, 20)); } });
            return out;""")
        assert cut == [], f"{name}: cut on a phone: {cut}"
        browser.find_element(By.CSS_SELECTOR, ".sp-dock-close").click()
        assert not browser.find_element(By.CSS_SELECTOR, ".sp-dock").is_displayed()
        assert errors(browser) == []


def test_on_a_phone_the_sheet_keeps_its_title_and_close_button_above_what_scrolls(browser, demo):
    """Scrolled down the sheet, the legends and the coverage table (Leaflet controls, z-index 800)
    slid over the sticky title: 图层与图例 and its × showed through the table and could not be tapped."""
    from selenium.webdriver.common.by import By

    for name in ("overview.html", "coverage.html"):
        open_map(browser, demo["files"][name], PHONE)
        browser.find_element(By.CSS_SELECTOR, ".sp-dock-toggle").click()
        on_top = browser.execute_script("""
            var dock = document.querySelector('.sp-dock');
            dock.scrollTop = dock.scrollHeight;
            var r = document.querySelector('.sp-dock-close').getBoundingClientRect();
            var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return [dock.scrollTop > 0, hit ? hit.className : null];""")
        assert on_top == [True, "sp-dock-close"], f"{name}: {on_top}"
        browser.find_element(By.CSS_SELECTOR, ".sp-dock-close").click()   # a real tap closes it
        assert not browser.find_element(By.CSS_SELECTOR, ".sp-dock").is_displayed()


def test_on_a_phone_a_site_s_popup_says_what_it_brings_with_its_values_whole(browser, demo):
    """Tapped on a 390x844 phone, the first new site says the households it brings within 5 and 10
    minutes and the gaps it fills as the map labels them (#3 (1,443) ...), every row in sight without a
    scroll, the site itself left in view, and each value on one line (its longitude read 114. /
    0303 / 57 on three lines until 7 December 2026, its label taking the row's width)."""
    open_map(browser, demo["files"]["overview.html"], PHONE)
    map_id = browser.execute_script("return document.querySelector('.folium-map').id")
    site = demo["sites"].to_crs(4326).sort_values("rank").iloc[0]
    got = click(browser, map_id, site.geometry.y, site.geometry.x)
    assert got["layer"] == "sites" and got["title"] == "建议新站 1"
    assert f"5分钟内新增户数{site['new_hh_5min']}" in got["top"] and f"10分钟内新增户数{site['new_hh_10min']}" in got["top"]
    gaps = gpd.read_file(demo["files"]["results.gpkg"], layer="gaps").set_index("gap_id")
    first = site["gaps"].split(",")[0].split(" ")[0]           # the gap it fills most, by its id: G003
    label = f"#{int(gaps.loc[first, 'rank'])} ({gaps.loc[first, 'households']:,.0f})"  # as the map labels it
    assert f"填补的盲区（户数）{label}" in got["top"] and first not in got["top"]
    rows = browser.execute_script("""
        var pop = document.querySelector('.leaflet-popup'), box = document.querySelector('.sp-pop');
        var r = pop.getBoundingClientRect(), m = window[arguments[0]];
        var p = m.latLngToContainerPoint([arguments[1], arguments[2]]);
        var tds = Array.from(box.querySelectorAll('.sp-main .sp-rows tr:not(.sp-wide) td'));
        var lh = parseFloat(getComputedStyle(box).lineHeight);
        return {lines: tds.map(function (td) { return Math.round(td.getBoundingClientRect().height / lh); }),
                text: tds.map(function (td) { return td.textContent; }),
                main: box.querySelector('.sp-main').getBoundingClientRect().bottom,
                box: box.getBoundingClientRect().bottom, bottom: r.bottom, site_y: p.y,
                height: r.height, width: r.width};""", map_id, site.geometry.y, site.geometry.x)
    assert max(rows["lines"]) == 1, list(zip(rows["text"], rows["lines"]))
    assert f"{site.geometry.x:.6f}" in rows["text"]
    assert rows["main"] <= rows["box"] + 1  # the site's own rows in sight, what is under it folded below
    assert rows["bottom"] < rows["site_y"] and rows["height"] <= PHONE[1] / 2 and rows["width"] <= PHONE[0]
    assert errors(browser) == []
