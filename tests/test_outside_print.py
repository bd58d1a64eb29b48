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
import pytest
from shapely.geometry import Point, box

from test_maps_browser import browser  # noqa: F401  (one headless Chromium, as the map tests open it)
from spatial.maps.interactive import coverage_map, save_map

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
#: A4 landscape less Chrome's default margins of 1 cm, in CSS pixels (96 per inch).
A4_PAGE = (1047, 718)


def _open(driver, path: Path, width: int, height: int) -> str:
    """Load ``path`` with the page's viewport at ``width`` x ``height``; the map's JS name."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
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
