"""The maps as officials print them for a meeting (A4 or A3 landscape, often a black-and-white
laser printer), read them with a large font, are colour-blind, or use a keyboard and a screen
reader: what is on the paper, whether the classes stay apart, whether the panels still fit."""

from __future__ import annotations

import base64
import re
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from test_maps_browser import browser  # noqa: F401  (one headless Chromium, as the map tests open it)
from test_outside_screens import _open as _open_on_screen
from spatial.maps._layers import VectorLayer
from spatial.maps.interactive import coverage_map, grid_map, save_map

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
#: A4 landscape less Chrome's default margins of 1 cm, in CSS pixels (96 per inch).
A4_PAGE = (1047, 718)


def _two_grid_editor(driver, tmp_path: Path, size: tuple[int, int]) -> Path:
    """The editor page of two grids (G1 of 300 households, G2 of 400) open on screen media at
    ``size``; its path."""
    from spatial.maps.editor import save_grid_editor

    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "grid_id": ["G1", "G2"], "households": [300, 400]},
                             geometry=[box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(2)],
                             crs=UTM)
    path = save_grid_editor(units, tmp_path / "editor.html", min_households=300, max_households=500)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    driver.set_window_size(*size)
    driver.get(path.resolve().as_uri())
    for _ in range(100):
        if driver.execute_script("return document.body.getAttribute('data-ready') === '1'"):
            break
        time.sleep(0.1)
    return path


def _open(driver, path: Path, width: int, height: int) -> str:
    """Load ``path`` on screen (not print) media with the page's viewport at ``width`` x ``height``
    (as the screens' tests do); the map's JS name."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    _open_on_screen(driver, path, width, height)
    return driver.execute_script("return document.querySelector('.folium-map').id")


def _street(n_communities: int = 12):
    """A 街道 of ``n_communities`` square communities in a row, a home in each, one station."""
    cells = [box(X0 + i * 300, Y0, X0 + (i + 1) * 300, Y0 + 300) for i in range(n_communities)]
    communities = gpd.GeoDataFrame({"community_id": [f"C{i + 1:02d}" for i in range(n_communities)],
                                    "name": [f"香蜜湖第{i + 1}社区" for i in range(n_communities)]},
                                   geometry=cells, crs=UTM)
    demand = gpd.GeoDataFrame({"community_id": communities["community_id"], "households": 100,
                               "band": (["5min", "10min", "15min", "beyond"] * n_communities)[:n_communities]},
                              geometry=[c.centroid for c in cells], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]},
                                geometry=[Point(X0 + 150, Y0 + 150)], crs=UTM)
    return communities, demand, stations


PRINTED = """
var m = window[arguments[0]], c = m.getContainer(), box = c.getBoundingClientRect(), b = arguments[1];
function shown(e) { var r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right <= box.right + 1
         && r.bottom <= box.bottom + 1 && r.left >= box.left - 1 && r.top >= box.top - 1; }
var controls = Array.from(c.querySelectorAll('.leaflet-control-zoom, .leaflet-control-fullscreen, '
  + '.leaflet-control-measure, .leaflet-control-search, .leaflet-control-layers, .sp-dock-toggle, .sp-dock-head'))
  .filter(shown).map(function (e) { return e.className; });
var dock = c.querySelector('.sp-dock'), d = dock.getBoundingClientRect();
var boxes = Array.from(dock.querySelectorAll('.sp-box'));
var sw = m.latLngToContainerPoint([b[0][0], b[0][1]]), ne = m.latLngToContainerPoint([b[1][0], b[1][1]]);
var head = c.querySelector('.sp-print-head');
return {controls: controls, head: head && shown(head) ? head.textContent : null,
        legend: Array.from(dock.querySelectorAll('.sp-legend')).every(shown),
        cut: boxes.concat([dock]).filter(function (e) { return e.scrollHeight > e.clientHeight + 1; })
                  .map(function (e) { return e.className; }),
        rows: Array.from(dock.querySelectorAll('.sp-tablebox tr')).filter(shown).length,
        area: [sw.x, ne.y, ne.x, sw.y], size: [c.clientWidth, c.clientHeight], dock: [d.left - box.left, d.bottom - box.top],
        scale: shown(c.querySelector('.leaflet-control-scale')),
        credit: shown(c.querySelector('.leaflet-control-attribution')) ? c.querySelector('.leaflet-control-attribution').textContent : ''};"""


@pytest.mark.browser
def test_a_printed_coverage_map_has_its_title_date_legend_and_whole_table_beside_the_area_and_no_buttons(
        browser, tmp_path):
    # Printed from a 1400x900 desktop to A4 landscape, the coverage map of a 街道 of 12
    # communities had the zoom, full-screen, measure, search and 13 layer tick boxes on the paper,
    # no title and no date (the page's title is only in the browser tab), and the coverage table
    # cut at its scroll box after 7 of its 13 rows; the map kept the screen's view, so the study
    # area ran under the dock. Now the paper has the title and the day, the legend and all 13
    # rows in a column beside the area, which the map fits to the page, and none of the buttons.
    from selenium.webdriver.common.print_page_options import PrintOptions

    communities, demand, stations = _street(12)
    path = save_map(coverage_map(demand, stations, communities=communities, credits="住户数：2025年房屋普查"),
                    tmp_path / "coverage.html")
    map_id = _open(browser, path, 1400, 900)
    west, south, east, north = communities.to_crs(4326).total_bounds
    browser.set_window_size(*A4_PAGE)             # as the page is laid out on the paper
    vw, vh = browser.execute_script("return [innerWidth, innerHeight]")
    browser.set_window_size(2 * A4_PAGE[0] - vw, 2 * A4_PAGE[1] - vh)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    for _ in range(40):                           # the page hears of the print media at its next frame
        if browser.execute_script("return document.querySelector('.folium-map').getAttribute('data-sp-print')"):
            break
        time.sleep(0.05)
    seen = browser.execute_script(PRINTED, map_id, [[south, west], [north, east]])
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert seen["controls"] == [], seen
    assert seen["head"] is not None and "15分钟服务圈" in seen["head"], seen
    assert date.today().isoformat() in seen["head"], seen
    assert seen["legend"] and seen["cut"] == [] and seen["rows"] == 14, seen   # header, 全部, 12 communities
    x0, y0, x1, y1 = seen["area"]
    assert 0 <= x0 and x1 <= seen["dock"][0] and 0 <= y0 and y1 <= seen["size"][1], seen   # beside the dock
    assert seen["scale"] and "住户数：2025年房屋普查" in seen["credit"], seen
    options = PrintOptions()
    options.orientation, options.page_width, options.page_height = "landscape", 21.0, 29.7
    pdf = base64.b64decode(browser.print_page(options))
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1                    # one sheet of A4


# ----------------------------------------------------------------------------- colour
# Our own colour science, from the published formulas: sRGB to CIELAB (D65), CIEDE2000 (Sharma,
# Wu and Dalal 2005), the colour-vision-deficiency matrices of Machado, Oliveira and Fernandes
# (2009, severity 1.0, on linear RGB), and grey as a printer makes it (the colour's luminance).
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}
#: The map's background (map.css ``.leaflet-container``), under every translucent fill.
BACKGROUND = "#f4f4f2"


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                    [0.0193339, 0.1191920, 0.9503041]]) @ linear_rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _ciede2000(lab1, lab2) -> float:
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    cbar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    big_dh = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    lbar, cbar = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        hbar = h1 + h2
    elif abs(h1 - h2) <= 180:
        hbar = (h1 + h2) / 2
    else:
        hbar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbar, 1 + 0.015 * cbar * t
    rt = (-np.sin(np.radians(60 * np.exp(-(((hbar - 275) / 25) ** 2))))
          * 2 * np.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    dl, dc, dhh = (l2 - l1) / sl, (c2 - c1) / sc, big_dh / sh
    return float(np.sqrt(dl ** 2 + dc ** 2 + dhh ** 2 + rt * dc * dhh))


def _seen(fill: str, opacity: float, vision: str) -> np.ndarray:
    """The Lab colour of ``fill`` drawn at ``opacity`` over the map, as ``vision`` sees it."""
    srgb = [int(c[i:i + 2], 16) / 255 for c in (fill,) for i in (1, 3, 5)]
    under = [int(BACKGROUND[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    mixed = "#" + "".join(f"{round(255 * (opacity * a + (1 - opacity) * b)):02x}" for a, b in zip(srgb, under))
    rgb = _linear(mixed)
    if vision == "grey":
        rgb = np.full(3, rgb @ np.array([0.2126, 0.7152, 0.0722]))
    elif vision != "normal":
        rgb = np.clip(MACHADO[vision] @ rgb, 0, 1)
    return _lab(rgb)


def test_our_ciede2000_gives_the_published_differences():
    # Sharma, Wu and Dalal (2005), table 1, pairs 1, 7 and 17
    assert _ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert _ciede2000((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert _ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)


def _drawn_fills(m, keys: tuple[str, ...]) -> dict[str, tuple[str, float]]:
    """The fill colour and opacity of every style of the map's layers ``keys``, by style."""
    out = {}
    for child in m._children.values():
        if isinstance(child, VectorLayer) and child.options["key"] in keys:
            for i, style in enumerate(child.styles):
                out[f"{child.options['key']}[{i}]"] = (style["fillColor"], style["fillOpacity"])
    return out


def _closest(fills: dict[str, tuple[str, float]]) -> dict[str, tuple[float, str]]:
    """For each vision, the smallest CIEDE2000 difference between two of ``fills`` and the pair."""
    out = {}
    for vision in ("normal", "deuteranopia", "protanopia", "grey"):
        lab = {k: _seen(c, a, vision) for k, (c, a) in fills.items()}
        names = sorted(lab)
        out[vision] = min((_ciede2000(lab[p], lab[q]), f"{p}/{q}") for i, p in enumerate(names)
                          for q in names[i + 1:])
    return out


def test_the_coverage_bands_and_the_uncovered_homes_stay_apart_for_the_colour_blind_and_in_grey():
    # The units of a coverage map by band: 5, 10 and 15 minutes in greens, beyond every band in
    # red (#d7191c) and unreachable in dark red. Printed in grey, the 5-minute green and the red of
    # homes beyond the 15 minutes were 0.6 CIEDE2000 apart as drawn, one grey: the map's message
    # (who is not covered) was lost on the office's laser printer; the 10- and 15-minute greens were
    # 9.5 apart in normal vision, 9.2 with deuteranopia and 8.1 with protanopia (Machado 2009). Now
    # every pair of the five is at least 10 apart in normal vision, deuteranopia, protanopia and grey.
    communities, demand, stations = _street(5)
    demand["band"] = ["5min", "10min", "15min", "beyond", "unreachable"]
    fills = _drawn_fills(coverage_map(demand, stations), ("demand_covered", "demand_uncovered"))
    assert len(fills) == 5
    closest = _closest(fills)
    assert all(d >= 10 for d, _ in closest.values()), closest


def test_the_grid_statuses_stay_apart_for_the_colour_blind_and_in_grey():
    # The grid map's fills by status (under, in, over the band: blue, green, orange at 45 %): with
    # deuteranopia 'in' and 'over' were 3.8 CIEDE2000 apart as drawn (5.8 with protanopia), and
    # printed in grey the three were 0.2 to 2.9 apart: one grey for all. Now pale, green and dark
    # (the households rising), at least 10 apart in normal vision, deuteranopia, protanopia and grey.
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2", "G3"], "households": [250, 400, 620]},
                             geometry=[box(X0 + 300 * i, Y0, X0 + 300 * (i + 1), Y0 + 300) for i in range(3)],
                             crs=UTM)
    fills = _drawn_fills(grid_map(grids), ("grids",))
    assert len(fills) == 3
    closest = _closest(fills)
    assert all(d >= 10 for d, _ in closest.values()), closest


# ----------------------------------------------------------------------------- text contrast
#: Every visible text under ``arguments[0]`` whose WCAG 2.x contrast ratio against its own
#: background (the element's and its ancestors' background colours composed over white) is
#: under 4.5:1; disabled buttons are exempt (WCAG 1.4.3).
LOW_CONTRAST = """
function rgba(c) { var m = c.match(/rgba?\\(([^)]+)\\)/), p = m ? m[1].split(',').map(parseFloat) : [0, 0, 0, 0];
  if (p.length < 4) { p.push(1); } return p; }
function over(top, under) { return [0, 1, 2].map(function (k) { return top[3] * top[k] + (1 - top[3]) * under[k]; }); }
function lum(rgb) { var l = rgb.map(function (v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; }
function ground(e) { var layers = [];
  for (; e; e = e.parentElement) { var c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) { break; } } }
  return layers.reverse().reduce(function (acc, c) { return over(c, acc); }, [255, 255, 255]); }
var low = [];
document.querySelectorAll(arguments[0]).forEach(function (root) {
  var walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) { var e = walk.currentNode.parentElement;
    if (!walk.currentNode.textContent.trim() || !e.getClientRects().length || e.closest('button:disabled')) { continue; }
    var b = ground(e), f = over(rgba(getComputedStyle(e).color), b), l1 = lum(f), l2 = lum(b);
    var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) { low.push([Math.round(ratio * 100) / 100, e.className, walk.currentNode.textContent.trim().slice(0, 20)]); } } });
return low;"""


@pytest.mark.browser
def test_the_small_print_of_the_legend_table_popups_and_editor_reads_at_wcag_contrast(browser, tmp_path):
    # The grey small print (#777: community ids in the coverage table, ids and hints in popups,
    # the editor's notes) was 4.46:1 against the boxes' white (4.48:1 in the editor), under WCAG's
    # 4.5:1 for text, and at 10 px: the ids a 街道 official reads off the printed table. Now every
    # text of the dock, of a popup and of the editor's panel reaches 4.5:1.
    from spatial.maps.editor import save_grid_editor

    communities, demand, stations = _street(4)
    path = save_map(coverage_map(demand, stations, communities=communities), tmp_path / "coverage.html")
    map_id = _open(browser, path, 1400, 900)
    lat, lon = communities.to_crs(4326).geometry.iloc[1].representative_point().coords[0][::-1]
    browser.execute_script("spShowAt(window[arguments[0]], L.latLng(arguments[1], arguments[2]));", map_id, lat, lon)
    assert browser.execute_script("return document.querySelectorAll('.sp-pop .sp-ids').length") > 0
    low = browser.execute_script(LOW_CONTRAST, ".sp-dock, .leaflet-popup-content")
    assert low == [], low

    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3"], "grid_id": ["G1", "G1", "G2"],
                              "households": [100, 150, 400]},
                             geometry=[box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(3)],
                             crs=UTM)
    path = save_grid_editor(units, tmp_path / "editor.html", min_households=300, max_households=500)
    browser.get(path.resolve().as_uri())
    for _ in range(100):
        if browser.execute_script("return document.body.getAttribute('data-ready') === '1'"):
            break
        time.sleep(0.1)
    low = browser.execute_script(LOW_CONTRAST, "body")
    assert low == [], low


# ----------------------------------------------------------------------------- keyboard, screen reader
def _active(driver) -> dict:
    return driver.execute_script("""var e = document.activeElement;
        return {tag: e.tagName, cls: String(e.className && e.className.baseVal !== undefined ? e.className.baseVal : e.className),
                label: e.getAttribute('aria-label'), role: e.getAttribute('role'), type: e.type || null,
                in_dock: !!e.closest('.sp-dock')};""")


def _press(driver, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    for key in keys:
        ActionChains(driver).send_keys(key).perform()


@pytest.mark.browser
def test_with_the_keyboard_a_station_is_a_named_button_that_opens_its_popup(browser, tmp_path):
    # On a 1400x900 desktop the Tab key stopped on each station marker (an SVG path Chromium makes
    # focusable) before any control: 17 stops in the demo, each with no name for a screen reader
    # and no effect of Enter. Now each is a button named after its station, and Enter opens its
    # popup; Leaflet's zoom buttons, named 'Zoom in' and 'Zoom out' on a Chinese page, say 放大/缩小.
    from selenium.webdriver.common.keys import Keys

    communities, demand, stations = _street(2)
    path = save_map(coverage_map(demand, stations, communities=communities), tmp_path / "coverage.html")
    map_id = _open(browser, path, 1400, 900)
    browser.execute_script("document.activeElement.blur(); window.focus();")
    stops = []
    for _ in range(8):
        _press(browser, Keys.TAB)
        stops.append(_active(browser))
    station = next((s for s in stops if s["tag"] == "path"), None)
    assert station is not None and station["role"] == "button" and station["label"] == "党群服务中心/站：香蜜站", stops
    while _active(browser)["tag"] != "path":
        _press(browser, Keys.SHIFT + Keys.TAB)
    _press(browser, Keys.ENTER)
    time.sleep(0.2)
    assert browser.execute_script("return (document.querySelector('.leaflet-popup .sp-title') || {}).textContent") == "香蜜站"
    names = browser.execute_script("return Array.from(document.querySelectorAll('.leaflet-control-zoom a'))"
                                   ".map(function (a) { return a.getAttribute('aria-label'); })")
    assert names == ["放大", "缩小", "全屏"]
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert browser.execute_script("return document.title") == "15分钟服务圈"
    assert map_id


@pytest.mark.browser
def test_on_a_phone_the_keyboard_opens_the_sheet_ticks_a_layer_with_enter_and_closes_it(browser, tmp_path):
    # On a 390x844 phone with a keyboard (or a screen reader's next/activate): Enter on the
    # '☰ 图层与图例' button opened the sheet but hid the button that had the focus, which fell to
    # the page's end: the next Tab left the page, never reaching the sheet. Enter on a layer's box
    # did nothing (only Space ticked it). Now the sheet takes the focus (its close button), the
    # button says whether the sheet is open (aria-expanded), Enter ticks a box as Space does, and
    # closing gives the focus back to the button.
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    communities, demand, stations = _street(2)
    path = save_map(coverage_map(demand, stations, communities=communities), tmp_path / "coverage.html")
    map_id = _open(browser, path, 390, 844)
    toggle = browser.find_element(By.CSS_SELECTOR, ".sp-dock-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    browser.execute_script("arguments[0].focus();", toggle)
    _press(browser, Keys.ENTER)
    time.sleep(0.1)
    assert toggle.get_attribute("aria-expanded") == "true"
    assert _active(browser)["in_dock"], _active(browser)
    for _ in range(12):                                     # on through the search to a layer's box
        _press(browser, Keys.TAB)
        if _active(browser)["type"] == "checkbox":
            break
    assert _active(browser)["type"] == "checkbox" and _active(browser)["in_dock"]
    before = browser.execute_script("var m = window[arguments[0]], n = 0; m.eachLayer(function () { n++; }); return n;",
                                    map_id)
    _press(browser, Keys.ENTER)
    after = browser.execute_script("var m = window[arguments[0]], n = 0; m.eachLayer(function () { n++; }); return n;",
                                   map_id)
    assert after < before                                  # the layer was turned off
    browser.find_element(By.CSS_SELECTOR, ".sp-dock-close").send_keys(Keys.ENTER)
    time.sleep(0.1)
    assert toggle.get_attribute("aria-expanded") == "false"
    assert browser.execute_script("return document.activeElement === arguments[0]", toggle)


# ----------------------------------------------------------------------------- large text
#: WeChat's text size setting (Android WebView's text zoom) scales every font size, px or not,
#: and no box: each element's computed font size times ``arguments[0]``.
TEXT_ZOOM = """var f = arguments[0], els = Array.from(document.querySelectorAll('body *'));
var sizes = els.map(function (e) { return parseFloat(getComputedStyle(e).fontSize); });
els.forEach(function (e, i) { e.style.setProperty('font-size', (sizes[i] * f) + 'px', 'important'); });"""


@pytest.mark.browser
@pytest.mark.parametrize("zoom", [1.5, 2.0])
def test_on_a_phone_with_wechats_large_text_the_coverage_table_fits_the_sheet(browser, tmp_path, zoom):
    # WeChat with its text size at 200 % on a 390x844 phone: the coverage table of 5, 10 and 15
    # minutes, its headers kept on one line, was 422 px wide in a 372 px box: the 15-minute column
    # was cut at the sheet's edge (its header read '15分钟' cut to '15分', the numbers '79.' ...),
    # behind a sideways scroll that a phone shows no bar for. Now the headers wrap (分钟 under the
    # number) and the table fits at 150 % and 200 %.
    from selenium.webdriver.common.by import By

    communities, demand, stations = _street(4)
    communities["name"] = ["香蜜社区", "竹林社区", "竹园社区", "东海社区"]
    demand["households"] = [4247, 4802, 4430, 63080]
    path = save_map(coverage_map(demand, stations, communities=communities), tmp_path / "coverage.html")
    _open(browser, path, 390, 844)
    browser.find_element(By.CSS_SELECTOR, ".sp-dock-toggle").click()
    browser.execute_script(TEXT_ZOOM, zoom)
    seen = browser.execute_script("""
        var t = document.querySelector('.sp-tablebox'), b = t.getBoundingClientRect();
        t.scrollIntoView();
        return {wide: t.scrollWidth, box: t.clientWidth, right: b.right,
                out: Array.from(t.querySelectorAll('th, td')).filter(function (c) {
                  return c.getBoundingClientRect().right > b.right + 1; }).map(function (c) { return c.textContent; })};""")
    assert seen["wide"] <= seen["box"] + 1 and seen["out"] == [] and seen["right"] <= 390, seen


@pytest.mark.browser
def test_the_editors_map_buttons_are_named_in_chinese_and_enter_ticks_a_layer(browser, tmp_path):
    # The grid editor (a Chinese page, lang zh-CN) named its map buttons in English for a screen
    # reader: 'Zoom in', 'Zoom out' and 'Layers'; Enter on a layer's box in the list did nothing.
    # Now they say 放大, 缩小 and 图层, and Enter ticks a box as Space does.
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _two_grid_editor(browser, tmp_path, (1400, 900))
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-zoom a, .leaflet-control-layers-toggle'))"
        ".map(function (a) { return a.getAttribute('aria-label') || a.title; })")
    assert names == ["放大", "缩小", "图层"]
    browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers-toggle").send_keys(Keys.ENTER)
    box_ = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-layers-overlays input[type=checkbox]")
    assert box_.is_selected()
    box_.send_keys(Keys.ENTER)
    assert not box_.is_selected()


LEGEND_SWATCHES = """
return Array.from(document.querySelectorAll('.sp-legend')).map(function (box) {
  return Array.from(box.querySelectorAll('.sp-swatch')).map(function (s) {
    var c = getComputedStyle(s), line = parseFloat(c.height) === 0;
    return {row: s.parentElement.textContent, colour: line ? c.borderTopColor : c.backgroundColor,
            shape: parseFloat(c.borderTopLeftRadius) > 0 ? 'round' : line ? 'line ' + c.borderTopStyle
                   : c.backgroundImage !== 'none' ? 'hatch' : 'box'};
  });
});"""


def _rgb_over_white(css: str) -> str:
    """A computed CSS colour (``rgb()`` or ``rgba()``) composed over white, as ``#rrggbb``."""
    parts = [float(v) for v in re.findall(r"[\d.]+", css)]
    r, g, b, a = (parts + [1.0])[:4]
    return "#" + "".join(f"{round(a * v + (1 - a) * 255):02x}" for v in (r, g, b))


@pytest.mark.browser
def test_the_legend_rows_stay_apart_in_grey_by_colour_or_by_shape(browser, tmp_path):
    # Printed in black and white, the coverage legend's filled boxes for the stations (#08306b)
    # and the gaps (#6a3d9a) were one dark grey with the 5-minute box (2.4 and 8.6 CIEDE2000), and
    # the boxes showed the units' colours at full strength where the map draws them at 80-85 %
    # (and the grids at 60 %), which put the 5-minute and the unreachable boxes 9.9 apart in grey
    # and did not match the map. Now a row is told
    # from every other row of the same swatch shape by at least 10 in grey and with deuteranopia
    # and protanopia: the gaps' swatch is a dashed line and the stations' a round marker, as drawn,
    # and the fills are shown at the opacity they are drawn with. Units of no households (a park)
    # are hatched on the map and in the legend (8 December 2026): told apart by the hatch.
    communities, demand, stations = _street(6)
    demand["band"] = ["5min", "10min", "15min", "beyond", "unreachable", "beyond"]
    demand.loc[5, "households"] = 0
    gaps = gpd.GeoDataFrame({"gap_id": [1], "rank": [1], "households": [100]},
                            geometry=[communities.geometry.iloc[3]], crs=UTM)
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2", "G3"], "households": [250, 400, 620]},
                             geometry=list(communities.geometry.iloc[:3]), crs=UTM)
    for name, m in (("coverage", coverage_map(demand, stations, gaps=gaps, communities=communities)),
                    ("grids", grid_map(grids))):
        _open(browser, save_map(m, tmp_path / f"{name}.html"), 1400, 900)
        legends = browser.execute_script(LEGEND_SWATCHES)
        assert (name == "coverage") == any(r["shape"] == "hatch" and "无住户" in r["row"] for rows in legends for r in rows)
        for rows in legends:
            for vision in ("grey", "deuteranopia", "protanopia"):
                for i, a in enumerate(rows):
                    for b in rows[i + 1:]:
                        if a["shape"] != b["shape"]:
                            continue
                        d = _ciede2000(_seen(_rgb_over_white(a["colour"]), 1.0, vision),
                                       _seen(_rgb_over_white(b["colour"]), 1.0, vision))
                        assert d >= 10, (name, vision, a, b, round(d, 1))


@pytest.mark.browser
def test_a_printed_map_of_more_units_than_svg_takes_still_shows_them(browser, tmp_path):
    # Above CANVAS_ABOVE features the units are drawn on canvases. Fitted to the page on the
    # switch to print, the canvases were resized and redrawn, and Chromium printed them blank: an
    # A4 sheet of a city's 6,000 units showed the station and the legend on white, no unit, no
    # community outline. Now a map on canvases keeps the screen's view on paper, and its canvases
    # reach the PDF (Chromium prints each as an image).
    from selenium.webdriver.common.print_page_options import PrintOptions

    from spatial.maps.interactive import CANVAS_ABOVE

    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 3000, size=(CANVAS_ABOVE + 1000, 2))
    demand = gpd.GeoDataFrame({"households": 10, "band": rng.choice(["5min", "10min", "beyond"], len(xy))},
                              geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]), crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]}, geometry=[Point(X0 + 1500, Y0 + 1500)],
                                crs=UTM)
    path = save_map(coverage_map(demand, stations), tmp_path / "city.html")
    _open(browser, path, 1400, 900)
    assert browser.execute_script("return document.querySelectorAll('.folium-map canvas').length") > 0
    options = PrintOptions()
    options.orientation, options.page_width, options.page_height = "landscape", 21.0, 29.7
    pdf = base64.b64decode(browser.print_page(options))
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) > 0


@pytest.mark.browser
def test_the_map_the_first_stop_of_the_tab_key_is_a_region_named_with_its_keys(browser, tmp_path):
    # The Tab key's first stop on every map is the map itself (Leaflet makes it focusable for its
    # arrow and +/- keys): a screen reader announced a nameless element there and nothing of the
    # keys. Now it is a region named after the map, saying which keys move and zoom it.
    communities, demand, stations = _street(2)
    path = save_map(coverage_map(demand, stations, communities=communities), tmp_path / "coverage.html")
    _open(browser, path, 1400, 900)
    browser.execute_script("document.activeElement.blur(); window.focus();")
    _press(browser, "\ue004")                                        # Tab
    first = browser.execute_script("var e = document.activeElement;"
                                   "return [e.classList.contains('folium-map'), e.getAttribute('role'),"
                                   " e.getAttribute('aria-label')];")
    assert first == [True, "region", "15分钟服务圈地图：方向键平移，加号、减号键缩放"]


@pytest.mark.browser
def test_the_printed_editor_has_the_plan_and_its_lists_but_no_buttons(browser, tmp_path):
    # The grid editor printed to A4 put 17 controls on the paper: its buttons (选网格, 点选调整 ...
    # 恢复原方案), the grid list, the search box and the zoom and layer buttons. Now the paper has the
    # map, its legend and credit, and the panel's title, summary and lists, and no control.
    _two_grid_editor(browser, tmp_path, A4_PAGE)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    seen = browser.execute_script("""
        function shown(e) { return e.getClientRects().length > 0; }
        return {controls: Array.from(document.querySelectorAll('button, select, input, .leaflet-control-zoom, '
                                                               + '.leaflet-control-layers')).filter(shown).length,
                title: shown(document.querySelector('.sp-panel h1, .sp-panel h2, .sp-panel h3'))
                       ? document.querySelector('.sp-panel h1, .sp-panel h2, .sp-panel h3').textContent : null,
                legend: shown(document.querySelector('.sp-legend')),
                credit: shown(document.querySelector('.leaflet-control-attribution'))};""")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert seen == {"controls": 0, "title": "网格在线调整", "legend": True, "credit": True}, seen


@pytest.mark.browser
def test_a_grid_s_popup_says_the_number_on_the_map_under_its_code(browser, tmp_path):
    # a grid is labelled C1-02 on the map and its popup is headed by its 20-digit code; the
    # number the official clicked came last, in small print under fourteen rows (on a phone:
    # after scrolling). It now stands under the code, before the rows.
    from spatial.grids.codes import assign_grid_codes

    grids = gpd.GeoDataFrame({"grid_id": ["C1-01", "C1-02"], "community_id": ["C1", "C1"],
                              "households": [350, 420]}, crs=UTM,
                             geometry=[box(X0 + i * 300, Y0, X0 + (i + 1) * 300, Y0 + 300) for i in range(2)])
    comm = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304001002"]}, crs=UTM,
                            geometry=[box(X0, Y0, X0 + 600, Y0 + 300)])
    path = save_map(grid_map(assign_grid_codes(grids, comm)), tmp_path / "grids.html")
    map_id = _open(browser, path, 390, 844)
    lat, lon = grids.to_crs(4326).geometry.iloc[1].representative_point().coords[0][::-1]
    browser.execute_script("spShowAt(window[arguments[0]], L.latLng(arguments[1], arguments[2]));", map_id, lat, lon)
    head = browser.execute_script(
        "return Array.from(document.querySelector('.sp-pop .sp-main').children).map(function (e) {"
        " return e.className + ':' + e.textContent.slice(0, 24); });")
    assert head[:3] == ["sp-kind:网格", "sp-title:00000044030400100202", "sp-ids:网格号 C1-02"], head
