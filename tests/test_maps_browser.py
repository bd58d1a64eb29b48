"""Maps opened in headless Chromium with all networking off: layers draw, no JavaScript errors.

The page is saved with a small probe script injected at the top of ``<head>``: it collects
``window.onerror`` and ``console.error`` and, after load, writes what the rendered DOM holds
(vector paths or canvases in the overlay pane, layer-control names, legend text, labels, controls)
into a ``<pre>`` that ``chromium --dump-dom`` returns.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from spatial.cli import main
from spatial.maps import screenshot as _screenshot
from spatial.maps.interactive import (
    CANVAS_ABOVE,
    coverage_map,
    grid_map,
    overview_map,
    save_map,
)

pytestmark = pytest.mark.browser

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
EVIL = "<script>alert(1)</script>"
REMOTE = re.compile(r'src="http|href="http|@import url\(http|url\(http', re.IGNORECASE)

PROBE = """<script>
window.__spErrors = [];
window.addEventListener("error", function (e) {
  window.__spErrors.push(String(e.message || ("failed to load " + (e.target && (e.target.src || e.target.href)))));
}, true);
(function () { var ce = console.error; console.error = function () {
  window.__spErrors.push(Array.prototype.join.call(arguments, " ")); ce.apply(console, arguments); }; })();
window.addEventListener("load", function () { setTimeout(function () {
  var ctl = Object.keys(window).filter(function (k) { return /searchControl$/.test(k); })[0];
  if (ctl && window.__spSearch) { window[ctl].searchText(window.__spSearch); }
  setTimeout(spCollect, window.__spSearch ? 1500 : 0); }, 300); });
function spCollect() {
  function texts(sel) { return Array.prototype.map.call(document.querySelectorAll(sel),
    function (e) { return e.textContent.trim(); }); }
  var popup = null, el = document.querySelector(".folium-map"), map = el && window[el.id];
  if (map && window.__spOpen) {
    map.eachLayer(function (l) {
      var q = l.feature && l.feature.properties;
      if (q && q.name !== undefined && q.station_id === window.__spOpen && l.getPopup()) { l.openPopup(); }
    });
    var p = document.querySelector(".leaflet-popup-content");
    popup = p && {text: p.textContent, tags: p.querySelectorAll("script,img,iframe").length};
  }
  var out = {errors: window.__spErrors,
    paths: document.querySelectorAll(".leaflet-overlay-pane svg path").length,
    canvases: document.querySelectorAll(".leaflet-overlay-pane canvas").length,
    layers: texts(".leaflet-control-layers-overlays label"),
    boxes: texts(".sp-box").join(" | "), labels: texts(".leaflet-tooltip.sp-label"),
    search: document.querySelectorAll(".leaflet-control-search input").length,
    measure: document.querySelectorAll(".leaflet-control-measure").length,
    fullscreen: document.querySelectorAll(".leaflet-control-zoom-fullscreen").length,
    scale: texts(".leaflet-control-scale-line"),
    attribution: texts(".leaflet-control-attribution").join(""), popup: popup,
    tips: texts(".search-tip")};
  var pre = document.createElement("pre"); pre.id = "sp-probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre); }
</script>"""


@pytest.fixture(scope="session")
def chromium() -> str:
    path = _screenshot.find_chromium()
    if path is None and shutil.which("apt-get"):
        install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-wqy-microhei"]
        if subprocess.run(install, capture_output=True, timeout=900, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, timeout=600, check=False)
            subprocess.run(install, capture_output=True, timeout=900, check=False)
        path = _screenshot.find_chromium()
    if path is None:
        pytest.skip("chromium is not installed and 'apt-get install -y chromium fonts-wqy-microhei' failed")
    return path


def probe(chromium, path: Path, *, open_station: str | None = None, search: str | None = None) -> dict:
    page = path.read_text(encoding="utf-8")
    extra = (f"<script>window.__spOpen = {json.dumps(open_station)}; "
             f"window.__spSearch = {json.dumps(search)};</script>")
    probed = path.with_name(path.stem + ".probe.html")
    probed.write_text(page.replace("<head>", "<head>" + extra + PROBE, 1), encoding="utf-8")
    dom = _screenshot.dump_dom(probed, wait_ms=5000)
    found = re.search(r'<pre id="sp-probe">(.*?)</pre>', dom, re.S)
    assert found, f"the page never finished loading: {dom[-500:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture
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


def test_grid_map_draws_offline(chromium, tmp_path, layers):
    path = save_map(grid_map(layers["grids"], communities=layers["communities"],
                             network_edges=layers["network"]), tmp_path / "grids.html")
    got = probe(chromium, path)
    assert got["errors"] == []
    assert got["paths"] == 3 + 1 + 1                      # grids, community outline, network line
    assert got["layers"] == ["步行路网", "社区边界", "网格"]
    assert "网格户数" in got["boxes"] and "不足 300 户 (1)" in got["boxes"]
    assert got["labels"] == ["G1", "G2", "G3"]
    assert got["measure"] == 1 and got["fullscreen"] == 1 and got["scale"] and "m" in got["scale"][0]
    assert "© OpenStreetMap contributors" in got["attribution"]


def test_coverage_map_draws_offline_and_escapes_names(chromium, tmp_path, layers):
    m = coverage_map(layers["demand"], layers["stations"], isochrones=layers["iso"], gaps=layers["gaps"],
                     communities=layers["communities"], network_edges=layers["network"])
    path = save_map(m, tmp_path / "coverage.html")
    got = probe(chromium, path, open_station="S1")
    assert got["errors"] == []
    assert got["paths"] == 1 + 1 + 2 + 3 + 1 + 2          # network, community, 2 areas, 3 residents, gap, 2 stations
    assert got["layers"] == ["步行路网", "社区边界", "10分钟服务圈", "5分钟服务圈", "已覆盖居民点",
                             "未覆盖居民点", "服务盲区（按户数排名）", "党群服务中心/站"]
    assert "步行速度 4.0 km/h" in got["boxes"] and "各社区覆盖率" in got["boxes"] and "示意数据" in got["boxes"]
    assert got["search"] == 1
    assert got["popup"]["text"].startswith(EVIL) and got["popup"]["tags"] == 0  # shown as text
    found = probe(chromium, path, search="莲花")
    assert found["errors"] == [] and found["tips"] == ["莲花党群服务中心"]  # search by name
    found = probe(chromium, path, search="<scr")
    assert found["errors"] == [] and found["tips"] == [EVIL]             # listed as text, not markup


def test_english_overview_draws_offline(chromium, tmp_path, layers):
    m = overview_map(layers["grids"], layers["demand"], layers["stations"], isochrones=layers["iso"],
                     communities=layers["communities"], lang="en")
    got = probe(chromium, save_map(m, tmp_path / "overview.html"))
    assert got["errors"] == []
    assert got["layers"] == ["Grids", "Community boundaries", "10 min service area", "5 min service area",
                             "Residents covered", "Residents not covered", "Party-mass service stations"]
    assert "Walking speed 4.0 km/h" in got["boxes"] and "Households per grid" in got["boxes"]


def test_many_residents_draw_on_a_canvas(chromium, tmp_path):
    rng = np.random.default_rng(1)
    n = CANVAS_ABOVE + 1
    xy = rng.uniform(0, 2000, size=(n, 2))
    demand = gpd.GeoDataFrame({"band": rng.choice(["5min", "15min", "beyond"], n)},
                              geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]), crs=UTM)
    stations = gpd.GeoDataFrame({"name": ["S"]}, geometry=[Point(X0, Y0)], crs=UTM)
    got = probe(chromium, save_map(coverage_map(demand, stations), tmp_path / "many.html"))
    assert got["errors"] == [] and got["canvases"] >= 1 and got["paths"] == 0


def test_screenshot_helper(chromium, tmp_path, layers):
    path = save_map(grid_map(layers["grids"]), tmp_path / "g.html")
    assert main(["-q", "screenshot", str(path), str(tmp_path / "g.png"), "--width", "640", "--height", "400"]) == 0
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- the demo maps
@pytest.mark.slow
def test_demo_maps_open_offline_and_draw(chromium, demo_outputs):
    maps = [p for p in demo_outputs if p.suffix == ".html"]
    assert maps, f"the demo wrote no HTML map: {demo_outputs}"
    for path in maps:
        page = path.read_text(encoding="utf-8")
        assert path.stat().st_size < 5e6, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"
        assert not REMOTE.findall(page), path.name
        got = probe(chromium, path)
        assert got["errors"] == [], (path.name, got["errors"])
        assert got["paths"] + got["canvases"] > 0, path.name
        assert len(got["layers"]) >= 2 and got["boxes"], path.name
        assert "© OpenStreetMap contributors" in got["attribution"]
