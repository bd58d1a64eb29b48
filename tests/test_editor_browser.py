"""The grid editor page driven in headless Chromium (selenium + Debian's chromedriver), networking off.

On the demo page that ``spatial demo`` writes (149 grids, 1,866 units): totals checked against the
units counted in pandas, contiguity against a rook graph built here with libpysal and networkx
(independent of the page and of spatial's adjacency), and the exported CSV scored again with
``spatial grids ... --existing PLAN --evaluate``. Open and move times are printed, not asserted.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from libpysal.weights import Rook
from shapely.geometry import box

from conftest import ensure_chromium
from spatial.cli import main
from spatial.maps.editor import save_grid_editor

pytestmark = pytest.mark.browser

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
CHROMEDRIVER = "/usr/bin/chromedriver"


def _chrome(download_dir: Path, width: int = 1400, height: int = 900, user_agent: str | None = None):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    ensure_chromium()
    driver_path = shutil.which("chromedriver") or CHROMEDRIVER
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not Path(driver_path).exists() or browser is None:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--host-resolver-rules=MAP * ~NOTFOUND", f"--window-size={width},{height}",
                *([f"--user-agent={user_agent}"] if user_agent else [])):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                           "download.prompt_for_download": False})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=opts)


_BROWSERS: dict = {}  # this module's headless Chromiums, one a user agent (see _browser)


@pytest.fixture(scope="module", autouse=True)
def _browsers_quit():
    """The headless Chromiums of :func:`_browser` quit at the end of the module that used them."""
    yield
    while _BROWSERS:
        _BROWSERS.popitem()[1].quit()


def _browser(tmp_path: Path, width: int = 1400, height: int = 900, *, user_agent: str | None = None):
    """Headless Chromium at ``width`` x ``height`` (``_chrome``'s), started once a module for each
    user agent (a start-up flag) and handed on as new: no screen or touch emulated, nothing stored
    by the pages (the editor keeps a plan's edits in localStorage), their log read, downloads into
    ``tmp_path``, on a blank page. A module using it imports
    :func:`_browsers_quit` too."""
    from selenium.common.exceptions import WebDriverException

    driver = _BROWSERS.get(user_agent)
    if driver is not None:
        try:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
            driver.set_window_size(max(width, 500), height)  # (as --window-size: 500 px wide at least)
        except WebDriverException:  # it crashed in an earlier test: a new one
            del _BROWSERS[user_agent]
            driver = None
    if driver is None:
        driver = _BROWSERS[user_agent] = _chrome(tmp_path, width, height, user_agent=user_agent)
    driver.get("about:blank")
    driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": "file://", "storageTypes": "all"})
    driver.get_log("browser")
    return driver


def _errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _open(driver, path: Path) -> float:
    driver.get(path.resolve().as_uri())
    for _ in range(100):
        if driver.execute_script("return document.body.getAttribute('data-ready') === '1'"):
            break
        time.sleep(0.1)
    return float(driver.execute_script("return window.spatialGridEditor.readyMs"))


def _move(driver, units, grid) -> dict:
    return driver.execute_script(
        "var t = performance.now(); var r = window.spatialGridEditor.move(arguments[0], arguments[1]);"
        "return new Promise(function (done) { requestAnimationFrame(function () {"
        "r.ms = performance.now() - t; done(r); }); });", units, grid)


def _stats(driver) -> dict:
    return driver.execute_script("return window.spatialGridEditor.stats()")


def _totals(units: gpd.GeoDataFrame) -> dict:
    g = units.groupby("grid_id")
    return {k: {"households": float(r.households), "population": float(r.population), "n_units": int(r.n)}
            for k, r in g.agg(households=("households", "sum"), population=("population", "sum"),
                              n=("unit_id", "size")).iterrows()}


def _same(stats: dict, units: gpd.GeoDataFrame) -> None:
    want = _totals(units)
    assert set(stats) == set(want)
    for gid, w in want.items():
        got = stats[gid]
        assert (got["households"], got["population"], got["n_units"]) == pytest.approx(
            (w["households"], w["population"], w["n_units"])), gid


@pytest.fixture(scope="module")
def demo(demo_outputs):
    paths = {p.name: p for p in demo_outputs}
    assert "grid_editor.html" in paths, "spatial demo wrote no grid_editor.html"
    gpkg = paths["results.gpkg"]
    units = gpd.read_file(gpkg, layer="units")
    w = Rook.from_dataframe(units.to_crs(UTM), use_index=False, silence_warnings=True)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(units)))
    graph.add_edges_from((i, j) for i, nb in w.neighbors.items() for j in nb)
    return paths["grid_editor.html"], gpkg, units, graph


def _border_unit(units, graph):
    """A unit with households whose grid stays connected without it, next to another grid."""
    gid, hh = units["grid_id"].to_numpy(), units["households"].to_numpy()
    for u in np.argsort(-hh):
        own = [v for v in range(len(units)) if gid[v] == gid[u]]
        others = [v for v in graph[u] if gid[v] != gid[u]]
        if len(own) >= 3 and others and nx.is_connected(graph.subgraph(set(own) - {u})):
            return int(u), gid[others[0]]
    raise AssertionError("no border unit found")


def _cut_unit(units, graph, avoid):
    """A unit whose loss splits its grid into pieces, next to another grid; and the pieces count."""
    gid = units["grid_id"].to_numpy()
    for g in sorted(set(gid) - set(avoid)):
        own = np.flatnonzero(gid == g)
        sub = graph.subgraph(own)
        for a in nx.articulation_points(sub):
            others = [v for v in graph[a] if gid[v] != g and gid[v] not in avoid]
            if others:
                rest = sub.subgraph(set(own) - {a})
                return int(a), gid[others[0]], nx.number_connected_components(rest)
    raise AssertionError("no unit splits its grid")


def test_demo_editor_moves_flags_undoes_exports_and_evaluates(demo, tmp_path, capsys):
    page, gpkg, units, graph = demo
    driver = _browser(tmp_path)
    ready_ms = _open(driver, page)
    assert _errors(driver) == []
    stats = _stats(driver)
    assert len(stats) == 149 and sum(s["n_units"] for s in stats.values()) == 1866
    _same(stats, units)

    # a border unit between two grids: both totals follow, both stay whole
    u, to = _border_unit(units, graph)
    uid, frm = units["unit_id"][u], units["grid_id"][u]
    first = _move(driver, [uid], to)["ms"]
    driver.execute_script("window.spatialGridEditor.undo()")
    again = []
    for _ in range(5):  # move and undo again: the time a planner sees once the page is warm
        again.append(_move(driver, [uid], to)["ms"])
        driver.execute_script("window.spatialGridEditor.undo()")
    moved = _move(driver, [uid], to)
    assert moved["moved"] == [uid] and set(moved["grids"]) == {frm, to}
    edited = units.copy()
    edited.loc[u, "grid_id"] = to
    stats = _stats(driver)
    _same(stats, edited)
    assert stats[frm]["contiguous"] and stats[to]["contiguous"]

    # a unit whose loss cuts its grid in pieces: flagged in the list and drawn red on the map
    c, to2, pieces = _cut_unit(edited, graph, avoid={frm, to})
    cid, cfrm = units["unit_id"][c], units["grid_id"][c]
    split = _move(driver, [cid], to2)
    stats = _stats(driver)
    assert stats[cfrm]["contiguous"] is False and stats[cfrm]["components"] == pieces
    assert cfrm in driver.find_element("id", "sp-flags").text
    reds = driver.execute_script(
        "var n = 0; window.spatialGridEditor.map.eachLayer(function (l) {"
        "if (l._spUnit !== undefined && l.options.color === '#d7191c') { n++; } }); return n;")
    assert reds == stats[cfrm]["n_units"]

    # edits survive a reload (localStorage); undo and redo
    driver.refresh()
    _open(driver, page)
    assert _stats(driver)[cfrm]["contiguous"] is False
    assert driver.execute_script("return window.spatialGridEditor.undo()") is True
    assert _stats(driver)[cfrm]["contiguous"] is True and cfrm not in driver.find_element("id", "sp-flags").text
    driver.execute_script("window.spatialGridEditor.redo()")
    assert _stats(driver)[cfrm]["components"] == pieces
    driver.execute_script("window.spatialGridEditor.undo()")
    stats = _stats(driver)
    _same(stats, edited)
    assert driver.find_element("id", "sp-change-count").text == "1"

    # export through the button (a browser download) and score the file in Python
    driver.find_element("id", "sp-export-csv").click()
    exported = tmp_path / "grid_editor_plan.csv"
    for _ in range(50):
        if exported.exists():
            break
        time.sleep(0.1)
    raw = exported.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfunit_id,grid_id\r\n")
    assert raw.decode("utf-8") == driver.execute_script("return window.spatialGridEditor.exportCsv()")
    assert _errors(driver) == []

    units_file = tmp_path / "units.gpkg"
    units.drop(columns="grid_id").to_file(units_file, layer="units")
    scores = tmp_path / "scores.gpkg"
    assert main(["-q", "grids", f"{gpkg}:communities", str(units_file), "--existing", str(exported),
                 "--evaluate", "--out", str(scores)]) == 0
    got = gpd.read_file(scores, layer="grid_scores").set_index("grid_id")
    assert got["households"].to_dict() == pytest.approx({k: v["households"] for k, v in stats.items()})
    assert (got["components"] == 1).all() and all(s["contiguous"] for s in stats.values())
    with capsys.disabled():
        print(f"\n[editor] demo page {page.stat().st_size / 1e6:.2f} MB (1,866 units, 149 grids): ready in "
              f"{ready_ms:.0f} ms; first move {first:.1f} ms, then median {np.median(again):.1f} ms; "
              f"splitting move {split['ms']:.1f} ms (each to the next frame drawn)")


@pytest.fixture
def small(tmp_path):
    """A 4 x 2 block of boxes: grid A west, B east; u2, u3 one gated estate; u7 locked."""
    geoms = [box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1))
             for r in range(2) for c in range(4)]
    units = gpd.GeoDataFrame({
        "unit_id": [f"u{i}" for i in range(8)], "households": [120, 80, 200, 50, 90, 160, 70, 30],
        "population": [300, 210, 500, 120, 230, 400, 180, 75], "grid_id": list("AABBAABB"),
        "gated": [None, None, "e1", "e1", None, None, None, None],
        "locked": [False] * 7 + [True]}, geometry=geoms, crs=UTM)
    return units


def test_gated_estates_move_together_locked_units_stay_and_ui_moves(small, tmp_path):
    page = save_grid_editor(small, tmp_path / "small.html", lang="en")
    driver = _browser(tmp_path, 900, 700)
    _open(driver, page)
    moved = _move(driver, ["u2"], "A")                      # u3 shares the estate: it comes along
    assert sorted(moved["moved"]) == ["u2", "u3"]
    # said, as the planner clicked one unit and saw two go
    assert driver.find_element("id", "sp-note").text == "Gated estate e1 moved whole into A: 1 more unit with it (u3)."
    assert _stats(driver)["A"]["households"] == 120 + 80 + 90 + 160 + 200 + 50
    moved = _move(driver, ["u7", "u6"], "A")                # u7 is locked: only u6 moves
    assert moved["moved"] == ["u6"] and moved["locked"] == ["u7"]
    assert "1 locked unit not moved: u7" in driver.find_element("id", "sp-note").text
    stats = _stats(driver)
    # B is 92.5% under the mean grid of 400 (800 households in two grids)
    assert stats["B"] == {"households": 30, "population": 75, "n_units": 1, "in_band": False,
                          "band": "under", "contiguous": True, "components": 1, "deviation_pct": -92.5,
                          "communities": 1}

    # the mouse: pick grid B by clicking u7, then click u6 in "click to move" mode, then lasso u5
    def click_unit(uid):
        x, y = driver.execute_script(
            "var m = window.spatialGridEditor.map, id = arguments[0], l = null; m.eachLayer(function (x) {"
            "if (x._spUnit !== undefined && window.spatialGridEditor.unitIds()[x._spUnit] === id) { l = x; } });"
            "var p = m.latLngToContainerPoint(l.getCenter()); return [p.x, p.y];", uid)
        return x, y

    from selenium.webdriver.common.action_chains import ActionChains

    box_el = driver.find_element("id", "sp-map")
    origin = box_el.rect

    def at(x, y):
        return ActionChains(driver).move_to_element_with_offset(box_el, int(x - origin["width"] / 2),
                                                                int(y - origin["height"] / 2))

    at(*click_unit("u7")).click().perform()
    assert driver.find_element("id", "sp-sel").get_attribute("value") != ""
    tip = driver.find_element("css selector", ".leaflet-tooltip").text   # made on the first hover
    assert "u7" in tip and "locked: cannot move" in tip
    driver.find_element("id", "sp-mode-paint").click()
    at(*click_unit("u6")).click().perform()
    assert driver.execute_script("return window.spatialGridEditor.gridOf('u6')") == "B"
    driver.find_element("id", "sp-mode-lasso").click()
    x, y = click_unit("u5")
    chain = at(x - 15, y - 15).click_and_hold()
    for dx, dy in ((30, 0), (0, 30), (-30, 0), (0, -28)):
        chain = chain.move_by_offset(dx, dy)
    chain.release().perform()
    assert driver.execute_script("return window.spatialGridEditor.gridOf('u5')") == "B"
    assert driver.execute_script("return window.spatialGridEditor.gridOf('u4')") == "A"
    changes = driver.execute_script("return window.spatialGridEditor.exportChanges()")
    assert changes.startswith("\ufeffunit_id,from_grid,to_grid\r\n") and "u5,A,B" in changes
    text = driver.execute_script("return window.spatialGridEditor.exportGeoJson()")
    back = gpd.read_file(io.StringIO(text)).set_crs(4326, allow_override=True).to_crs(UTM)
    assert back["grid_id"].tolist() == list("AAAAABBB") and back["unit_id"].tolist() == small["unit_id"].tolist()
    assert back.geometry.hausdorff_distance(small.geometry).max() < 0.15  # m: 1e-6 degree rounding
    assert _errors(driver) == []


def test_a_tablet_picks_paints_and_lassoes_by_touch(small, tmp_path):
    """Chromium's touch emulation: finger taps and a finger loop (touch events, no mouse at all)."""
    page = save_grid_editor(small.drop(columns=["gated", "locked"]), tmp_path / "touch.html")
    driver = _browser(tmp_path, 390, 844)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    _open(driver, page)

    def centre(uid):
        return driver.execute_script(
            "var m = window.spatialGridEditor.map, id = arguments[0], l = null; m.eachLayer(function (x) {"
            "if (x._spUnit !== undefined && window.spatialGridEditor.unitIds()[x._spUnit] === id) { l = x; } });"
            "var p = m.latLngToContainerPoint(l.getCenter()), r = m.getContainer().getBoundingClientRect();"
            "return [p.x + r.left, p.y + r.top];", uid)

    def touch(kind, points):
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {
            "type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]})

    def tap(uid):
        touch("touchStart", [centre(uid)])
        touch("touchEnd", [])
        time.sleep(0.4)  # past the double-tap wait

    tap("u2")                                                   # pick grid B with a finger
    assert driver.find_element("id", "sp-sel").get_attribute("value") != ""
    driver.find_element("id", "sp-mode-paint").click()
    tap("u1")
    assert driver.execute_script("return window.spatialGridEditor.gridOf('u1')") == "B"
    driver.find_element("id", "sp-mode-lasso").click()
    x, y = centre("u5")
    touch("touchStart", [(x - 20, y - 20)])
    for px, py in ((x + 20, y - 20), (x + 20, y + 20), (x - 20, y + 20), (x - 20, y - 18)):
        touch("touchMove", [(px, py)])
    touch("touchEnd", [])
    assert driver.execute_script("return window.spatialGridEditor.gridOf('u5')") == "B"
    assert driver.execute_script("return window.spatialGridEditor.gridOf('u4')") == "A"
    stats = _stats(driver)
    assert (stats["A"]["households"], stats["B"]["households"]) == (120 + 90, 80 + 200 + 50 + 160 + 70 + 30)
    assert _errors(driver) == []



@pytest.mark.parametrize("width, height, folded", [(390, 844, True), (1400, 900, False)])
def test_the_legend_folds_to_its_title_on_a_phone_and_opens_on_a_tap(small, tmp_path, width, height, folded):
    """Open on a desktop; on a phone only its title shows (it covered the town's corner: about
    80 x 95 px of a 390 px wide map), and a tap opens it without picking the grid below."""
    page = save_grid_editor(small.drop(columns=["gated", "locked"]), tmp_path / "legend.html")
    driver = _browser(tmp_path, width, height)
    _open(driver, page)
    box_of = ("var r = document.querySelector('.sp-legend').getBoundingClientRect(),"
              "m = document.getElementById('sp-map').getBoundingClientRect();"
              "return [r.width * r.height / (m.width * m.height), document.querySelector('.sp-legend').open];")
    share, is_open = driver.execute_script(box_of)
    assert is_open is not folded
    if folded:
        assert share < 0.01, share  # a title of about 60 x 24 px
        driver.find_element("css selector", ".sp-legend summary").click()
        share, is_open = driver.execute_script(box_of)
        assert is_open and share > 0.02
        assert driver.find_element("id", "sp-sel").get_attribute("value") == ""  # nothing picked
    assert _errors(driver) == []

def _renamed(small, tmp_path, names: dict, lang: str):
    """The small town with its grids renamed, its editor page, and a browser on it."""
    units = small.assign(grid_id=small["grid_id"].map(names))
    page = save_grid_editor(units, tmp_path / "renamed.html", lang=lang)
    driver = _browser(tmp_path, 900, 700)
    _open(driver, page)
    return units, page, driver


def test_a_new_grid_takes_the_next_number_holds_units_survives_a_reload_and_exports(small, tmp_path):
    import spatial

    units, page, driver = _renamed(small, tmp_path, {"A": "C1-01", "B": "C1-02"}, "zh")
    driver.execute_script("window.spatialGridEditor.select('C1-01')")
    driver.find_element("id", "sp-new").click()                      # 新建网格
    assert driver.find_element("id", "sp-sel").get_attribute("value") == "2"
    assert "sp-on" in driver.find_element("id", "sp-mode-paint").get_attribute("class")  # ready to click units in
    assert "C1-03" in driver.find_element("id", "sp-active").text
    assert "已新建网格 C1-03" in driver.find_element("id", "sp-note").text
    stats = _stats(driver)
    assert stats["C1-03"] == {"households": 0, "population": 0, "n_units": 0, "in_band": False,
                              "band": "under", "contiguous": True, "components": 0, "deviation_pct": None,
                              "communities": 0}
    moved = _move(driver, ["u0", "u4"], "C1-03")                    # split C1-01 by hand
    assert sorted(moved["moved"]) == ["u0", "u4"] and set(moved["grids"]) == {"C1-01", "C1-03"}
    stats = _stats(driver)
    assert (stats["C1-03"]["households"], stats["C1-03"]["n_units"]) == (120 + 90, 2)
    assert stats["C1-01"]["households"] == 80 + 160 and stats["C1-03"]["contiguous"]
    # a second new grid from the same community takes the number after; made by mistake, it is
    # one undo away (the moves before it stay)
    assert driver.execute_script("return window.spatialGridEditor.newGrid()") == "C1-04"
    assert driver.execute_script("return window.spatialGridEditor.undo()") is True
    assert set(_stats(driver)) == {"C1-01", "C1-02", "C1-03"} and _stats(driver)["C1-03"]["n_units"] == 2
    assert driver.execute_script("return window.spatialGridEditor.redo()") is True
    assert set(_stats(driver)) == {"C1-01", "C1-02", "C1-03", "C1-04"}
    plan = driver.execute_script("return window.spatialGridEditor.exportCsv()")

    # the new grids and the moves into them survive a reload (localStorage)
    driver.refresh()
    _open(driver, page)
    stats = _stats(driver)
    assert set(stats) == {"C1-01", "C1-02", "C1-03", "C1-04"}
    assert stats["C1-03"]["n_units"] == 2 and driver.execute_script(
        "return window.spatialGridEditor.gridOf('u4')") == "C1-03"
    options = driver.execute_script("return Array.from(document.querySelectorAll('#sp-sel option'))"
                                    ".map(function (o) { return o.textContent; })")
    assert options[1:] == ["C1-01", "C1-02", "C1-03", "C1-04"]

    # undo all the way (C1-04, the move into C1-03, C1-03 itself), and redo
    for _ in range(3):
        assert driver.execute_script("return window.spatialGridEditor.undo()") is True
    assert set(_stats(driver)) == {"C1-01", "C1-02"}
    assert driver.execute_script("return window.spatialGridEditor.undo()") is False
    for _ in range(3):
        driver.execute_script("window.spatialGridEditor.redo()")
    assert set(_stats(driver)) == {"C1-01", "C1-02", "C1-03", "C1-04"}

    # back to the original plan: the new grids go
    driver.execute_script("window.spatialGridEditor.reset()")
    assert set(_stats(driver)) == {"C1-01", "C1-02"}
    assert driver.execute_script("return document.querySelectorAll('#sp-sel option').length") == 3
    assert _errors(driver) == []
    path = tmp_path / "plan.csv"
    path.write_text(plan, encoding="utf-8")
    labels = spatial.read_plan(path, units)  # the exported plan reads back: every unit once
    by_id = dict(zip(units["unit_id"], labels))
    assert (by_id["u0"], by_id["u4"], by_id["u1"]) == ("C1-03", "C1-03", "C1-01")
    assert set(labels) == {"C1-01", "C1-02", "C1-03"}  # the empty C1-04 holds no unit, so no row


def test_new_grids_of_a_plan_numbered_1_to_n_take_the_next_number(small, tmp_path):
    _, _, driver = _renamed(small, tmp_path, {"A": "1", "B": "2"}, "en")
    assert driver.execute_script("return window.spatialGridEditor.newGrid()") == "3"
    assert "Created grid 3" in driver.find_element("id", "sp-note").text
    assert _errors(driver) == []


def test_each_grid_shows_its_deviation_from_its_own_communitys_mean_and_the_rule_flags_far_ones(tmp_path):
    # C1: grids A, B of 200 households (mean 200); C2: grids C, D of 600 (mean 600); rule ±10%.
    # Moving u1 from A to B takes A to -50% and B to +50% of C1's mean; C and D stay at 0%
    # (from one mean over all four grids, 400, they would read +50%)
    geoms = [box(X0 + 100 * c, Y0, X0 + 100 * (c + 1), Y0 + 100) for c in range(8)]
    units = gpd.GeoDataFrame({
        "unit_id": [f"u{i}" for i in range(8)], "households": [100] * 4 + [300] * 4,
        "grid_id": list("AABBCCDD"), "community_id": ["C1"] * 4 + ["C2"] * 4}, geometry=geoms, crs=UTM)
    page = save_grid_editor(units, tmp_path / "rule.html", lang="en", min_households=100, max_households=700,
                            max_deviation_pct=10)
    driver = _browser(tmp_path, 1400, 900)
    _open(driver, page)
    assert {g: s["deviation_pct"] for g, s in _stats(driver).items()} == {"A": 0, "B": 0, "C": 0, "D": 0}
    assert "0 more than ±10%" in driver.find_element("id", "sp-summary").text
    assert _move(driver, ["u1"], "B")["moved"] == ["u1"]
    stats = _stats(driver)
    assert {g: s["deviation_pct"] for g, s in stats.items()} == {"A": -50, "B": 50, "C": 0, "D": 0}
    assert all(s["in_band"] for s in stats.values())  # in the band, yet far from the mean
    assert "2 more than ±10% from their community's mean grid" in driver.find_element("id", "sp-summary").text
    flags = driver.find_element("id", "sp-flags")
    rows = {r.get_attribute("data-grid"): r.text for r in flags.find_elements("css selector", "tr[data-grid]")}
    assert len(rows) == 2 and all("off the mean" in text for text in rows.values())
    assert any("+50.0%" in text for text in rows.values()) and any("\u221250.0%" in text for text in rows.values())
    assert "within ±10% of its community's mean grid" in driver.page_source
    assert not _errors(driver)


def test_flagged_grids_say_what_forces_them_out_of_the_band(tmp_path):
    """Out of the band whatever the plan: a piece of a community with no edge to its rest (I, 150
    households), a community of 150 (S), a unit of 900 (X), a gated estate of 600 kept whole (E).
    A grid merely drawn under the band (A, after a move) gets no reason: the planner can fix it."""
    def sq(c, r=0):
        return box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1))
    rows = [("a0", 200, "A", "C1", None, sq(0)), ("a1", 200, "A", "C1", None, sq(1)),
            ("b0", 200, "B", "C1", None, sq(2)), ("b1", 200, "B", "C1", None, sq(3)),
            ("i0", 75, "I", "C1", None, sq(6)), ("i1", 75, "I", "C1", None, sq(7)),  # across a gap from C1's rest
            ("s0", 150, "S", "C2", None, sq(0, 3)),
            ("x0", 900, "X", "C3", None, sq(0, 5)), ("x1", 0, "X", "C3", None, sq(1, 5)),
            ("e0", 200, "E", "C4", "E1", sq(0, 7)), ("e1", 200, "E", "C4", "E1", sq(1, 7)),
            ("e2", 200, "E", "C4", "E1", sq(2, 7))]
    units = gpd.GeoDataFrame([dict(zip(("unit_id", "households", "grid_id", "community_id", "gated"), r[:5]))
                              for r in rows], geometry=[r[5] for r in rows], crs=UTM)
    page = save_grid_editor(units, tmp_path / "why.html", lang="en", min_households=300, max_households=500)
    driver = _browser(tmp_path, 1400, 900)
    _open(driver, page)
    flags = driver.find_element("id", "sp-flags")

    def chips():
        return {r.find_element("css selector", "td").text.strip(): [
            (c.text, c.get_attribute("title")) for c in r.find_elements("css selector", ".sp-why")]
            for r in flags.find_elements("css selector", "tr[data-grid]")}

    got = chips()
    assert set(got) == {"I", "S", "X", "E"}
    assert got["I"] == [("cut off: 150", "These 2 units share no edge with the rest of the community (an island, "
                         "or land cut off by water) and hold 150 households, under 300")]
    assert got["S"] == [("community: 150", "Its community holds only 150 households, under 300: merge it with a "
                         "neighbouring community")]
    assert got["X"] == [("one unit: 900", "Unit x0 alone holds 900 households, over 500: split the unit or raise "
                         "the maximum")]
    assert got["E"] == [("estate: 600", "A gated estate kept whole holds 600 households, over 500: no grid holding "
                         "it is in the band")]
    # picking the grid shows the sentence (a phone shows no tooltip)
    driver.execute_script("var s = document.getElementById('sp-sel'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('change'));", str(sorted(units["grid_id"].unique()).index("X")))
    assert "Unit x0 alone holds 900 households" in driver.find_element("id", "sp-active").text
    assert _move(driver, ["a1"], "B")["moved"] == ["a1"]  # A 200 (under), B 600 (over): the plan's doing
    got = chips()
    assert got["A"] == [] and got["B"] == [] and got["I"][0][0] == "cut off: 150"
    assert not _errors(driver)


def test_each_grid_shows_its_id_on_its_own_units_a_tap_on_it_picks_that_grid_and_flags_follow(small, tmp_path):
    """A phone has no hover: the grids' ids are written on the map, each on a unit of its grid (checked
    with shapely on the units), framed when the grid is flagged, gone with its last unit and back on
    undo; a tap on an id reaches the unit under it."""
    units = small.drop(columns=["gated", "locked"])
    page = save_grid_editor(units, tmp_path / "ids.html", lang="en")
    driver = _browser(tmp_path, 390, 844)
    read = ("var out = {}; document.querySelectorAll('.sp-glabel').forEach(function (e) {"
            "var r = e.getBoundingClientRect(), m = window.spatialGridEditor.map, c = m.getContainer().getBoundingClientRect();"
            "var ll = m.containerPointToLatLng([r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top]);"
            "out[e.textContent] = {x: r.left + r.width / 2, y: r.top + r.height / 2, lon: ll.lng, lat: ll.lat,"
            "flag: e.classList.contains('sp-glabel-flag'), shown: getComputedStyle(e.parentNode).visibility !== 'hidden'};"
            "}); return out;")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    _open(driver, page)
    ids = driver.execute_script(read)
    assert set(ids) == {"A", "B"} and all(v["shown"] and not v["flag"] for v in ids.values())
    for gid, v in ids.items():   # on its own grid's units (1.5 m: the id's centre is a pixel of ~1 m)
        at = gpd.GeoSeries(gpd.points_from_xy([v["lon"]], [v["lat"]]), crs=4326).to_crs(UTM).iloc[0]
        assert units.loc[units["grid_id"] == gid].union_all().distance(at) < 1.5, gid

    def tap(x, y):
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        time.sleep(0.4)

    tap(ids["B"]["x"], ids["B"]["y"])           # the id takes no tap: the unit under it picks grid B
    assert driver.find_element("id", "sp-now").text.startswith("B ")

    _move(driver, ["u2", "u3", "u6", "u7"], "A")   # A: 800 households, over 500; B empty
    ids = driver.execute_script(read)
    assert set(ids) == {"A"} and ids["A"]["flag"]
    driver.execute_script("window.spatialGridEditor.undo()")
    ids = driver.execute_script(read)
    assert set(ids) == {"A", "B"} and not ids["A"]["flag"] and not ids["B"]["flag"]
    _move(driver, ["u5"], "B")                     # A 290 under, B 510 over
    assert {k: v["flag"] for k, v in driver.execute_script(read).items()} == {"A": True, "B": True}
    _move(driver, ["u2"], "A")                     # A 490, B 310: both in the band, both whole
    assert {k: v["flag"] for k, v in driver.execute_script(read).items()} == {"A": False, "B": False}
    assert _errors(driver) == []
