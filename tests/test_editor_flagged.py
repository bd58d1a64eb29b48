"""What is wrong with a plan, in sight on the grid editor: the summary names the grids out of the
band, a phone reaches the flagged list in one tap, and the grids' ids stay clear of the map's
controls and of each other, framed or not.

Driven in headless Chromium; the expected summary is worked out here in pandas from the units and
the moves, the ids' and controls' boxes read from the page's layout (getBoundingClientRect).
"""

from __future__ import annotations

import itertools
import time

import geopandas as gpd
import pytest
from shapely.geometry import box
from test_editor_browser import _browser, _browsers_quit, _errors, _move, _open  # noqa: F401  (_browsers_quit: quits them)

from spatial.maps.editor import save_grid_editor

pytestmark = pytest.mark.browser

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
LO, HI = 300, 500


def _out_of_band(units: gpd.GeoDataFrame, sep: str, item: str, more: str) -> list[str] | str:
    """The grids out of 300-500 households, furthest out first (then by id), as the summary lists them."""
    hh = units.groupby("grid_id")["households"].sum()
    off = hh.map(lambda h: LO - h if h < LO else (h - HI if h > HI else 0))
    out = sorted(off[off > 0].index, key=lambda g: (-off[g], g))
    return len(out), sep.join(item.format(id=g, n=f"{hh[g]:,.0f}") for g in out[:5]) + (more if len(out) > 5 else "")


def _phone(driver) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})


def _tap(driver, element_id: str | None = None, css: str | None = None) -> None:
    x, y = driver.execute_script(
        "var r = (arguments[0] ? document.getElementById(arguments[0]) : document.querySelector(arguments[1]))"
        ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];", element_id, css)
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    time.sleep(0.4)


def _rect(driver, selector: str) -> dict:
    return driver.execute_script("var r = document.querySelector(arguments[0]).getBoundingClientRect();"
                                 "return {top: r.top, bottom: r.bottom, height: r.height};", selector)


def test_the_summary_names_the_grids_out_of_band_and_a_phone_opens_them_in_one_tap(tmp_path):
    # A 4 x 2 block: A (u0 u1 u4 u5) 450 households, B (u2 u3 u6 u7) 350; u5 into B makes A 290, B 510
    geoms = [box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1)) for r in range(2) for c in range(4)]
    units = gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(8)],
                              "households": [120, 80, 200, 50, 90, 160, 70, 30], "grid_id": list("AABBAABB")},
                             geometry=geoms, crs=UTM)
    page = save_grid_editor(units, tmp_path / "phone.html")
    driver = _browser(tmp_path, 390, 844)
    _phone(driver)
    _open(driver, page)
    summary = driver.find_element("id", "sp-summary")
    assert summary.text == "共2个网格：2个户数达标，0个不连片"
    assert not driver.find_element("id", "sp-flag-go").is_displayed()   # nothing flagged: no button
    _tap(driver, "sp-toggle")
    folded_map = _rect(driver, "#sp-map")["height"]
    _tap(driver, "sp-toggle")
    open_map = _rect(driver, "#sp-map")["height"]

    assert _move(driver, ["u5"], "B")["moved"] == ["u5"]
    moved = units.assign(grid_id=units["grid_id"].where(units["unit_id"] != "u5", "B"))
    k, ids = _out_of_band(moved, "、", "{id}：{n}户", "等")
    assert (k, ids) == (2, "A：290户、B：510户")  # (10 under, 10 over: by id)
    assert summary.text == f"共2个网格：0个户数达标，{k}个不达标（{ids}），0个不连片"
    chip = driver.find_element("id", "sp-flag-go")
    assert chip.is_displayed() and chip.text == "问题网格 2"
    # the button sits in the row the mode buttons already wrap to: the map is as tall as before, folded or not
    assert _rect(driver, "#sp-map")["height"] == pytest.approx(open_map, abs=0.5)
    _tap(driver, "sp-toggle")
    assert _rect(driver, "#sp-map")["height"] == pytest.approx(folded_map, abs=0.5)

    # folded, with grid A current (its line held at the top of the sheet): one tap shows the list
    driver.execute_script("window.spatialGridEditor.select('A')")
    _tap(driver, "sp-flag-go")
    assert "sp-collapsed" not in driver.find_element("tag name", "body").get_attribute("class")
    panel, now = _rect(driver, ".sp-panel"), _rect(driver, "#sp-now")
    head, last = _rect(driver, "#sp-flags-head"), _rect(driver, "#sp-flags tr[data-grid]:last-child")
    assert now["bottom"] - 1 <= head["top"] and last["bottom"] <= panel["bottom"], (now, head, last, panel)
    rows = [r.get_attribute("data-grid") for r in driver.find_elements("css selector", "#sp-flags tr[data-grid]")]
    assert len(rows) == 2
    _tap(driver, css=f'#sp-flags tr[data-grid="{rows[1]}"]')  # and a tap on a row picks that grid
    assert driver.find_element("id", "sp-now").text.split()[0] == driver.execute_script(
        "return document.querySelector('#sp-sel option[value=\"' + arguments[0] + '\"]').textContent", rows[1])
    assert _errors(driver) == []


READ_IDS = """var out = {ids: [], controls: []};
document.querySelectorAll('.sp-glabel').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (getComputedStyle(e.parentNode).visibility !== 'hidden') {
    out.ids.push([e.textContent, r.left, r.top, r.right, r.bottom, e.classList.contains('sp-glabel-flag')]); }
});
document.querySelectorAll('#sp-map .leaflet-control').forEach(function (e) {
  var r = e.getBoundingClientRect(); if (r.width > 0) { out.controls.push([e.className, r.left, r.top, r.right, r.bottom]); }
});
return out;"""


def _apart(a, b) -> tuple[float, float]:
    """The gaps between two boxes (left, top, right, bottom), side by side and one over another."""
    return max(b[1] - a[3], a[1] - b[3]), max(b[2] - a[4], a[2] - b[4])


def test_grid_ids_keep_clear_of_the_open_legend_and_of_each_other_framed_or_not(demo_outputs, tmp_path):
    # the demo at 1400 x 900: the open legend covered the ids of C12-10, C12-13 and C12-17 (zoomed or
    # panned, ids sat under the zoom and layer buttons and the scale too), and a framed (flagged) id
    # came 13 px over an unframed one, where two unframed ones keep 14
    paths = {p.name: p for p in demo_outputs}
    units = gpd.read_file(paths["results.gpkg"], layer="units")
    # the demo's plan since 8 December 2026 (C12-0168 and C12-0176 into C12-17 too leave C12-18 at 243)
    moves = [(["C01-0004"], "C01-03"), (["C12-0134", "C12-0159", "C12-0160", "C12-0161", "C12-0168", "C12-0176"], "C12-17")]
    driver = _browser(tmp_path, 1400, 900)
    _open(driver, paths["grid_editor.html"])
    for step in ("fit", "moved", "zoomed", "panned", "legend folded"):
        if step == "moved":
            for ids, grid in moves:
                assert sorted(_move(driver, ids, grid)["moved"]) == sorted(ids)
                units.loc[units["unit_id"].isin(ids), "grid_id"] = grid
            k, named = _out_of_band(units, "、", "{id}：{n}户", "等")
            assert f"，{k}个不达标（{named}）" in driver.find_element("id", "sp-summary").text
        if step == "zoomed":
            driver.execute_script("var m = window.spatialGridEditor.map; m.setZoom(m.getZoom() + 1, {animate: false})")
        if step == "panned":
            driver.execute_script("window.spatialGridEditor.map.panBy([-150, -120], {animate: false})")
        if step == "legend folded":
            driver.find_element("css selector", ".sp-legend summary").click()
        time.sleep(0.3)
        seen = driver.execute_script(READ_IDS)
        assert len(seen["ids"]) > 50, step
        if step == "moved":
            assert sum(i[5] for i in seen["ids"]) >= 2   # framed ids among them
        under = [(i[0], c[0]) for i in seen["ids"] for c in seen["controls"] if max(_apart(i, c)) < 0]
        assert under == [], step
        close = [(a[0], b[0], _apart(a, b)) for a, b in itertools.combinations(seen["ids"], 2)
                 if _apart(a, b)[0] < 16 - 0.5 and _apart(a, b)[1] < 14 - 0.5]
        assert close == [], step
    assert _errors(driver) == []


def test_on_a_phone_a_flagged_grids_id_stays_in_sight_under_the_open_legend(demo_outputs, tmp_path):
    # the demo on a 390 x 844 phone, C12-17 made 711 households, C01-01 549, C01-03 576 (so C01-02 129,
    # C12-10 242): with the legend open, C12-17's id sat under it and was hidden, and C01-01's and
    # C01-02's gave way to C01-03's: three of the five grids to mend unnamed on the map. Every flagged
    # id now shows (on another of its units, or beside what covers it), clear of the controls and of
    # each other; the out-of-band grids are worked out here in pandas.
    paths = {p.name: p for p in demo_outputs}
    units = gpd.read_file(paths["results.gpkg"], layer="units")
    # the demo's plan since 8 December 2026: moving C12-0168 and C12-0176 into C12-17 too leaves C12-18
    # at 243 households, in the corner the open legend covers, and its flagged id's home at the map's
    # right edge: every spot beside the legend was out of sight or taken by C12-17's and C12-16's ids,
    # and it was hidden. It now shows at the free place in sight nearest its home
    moves = [(["C01-0004"], "C01-03"), (["C12-0134", "C12-0159", "C12-0160", "C12-0161", "C12-0168", "C12-0176"], "C12-17")]
    driver = _browser(tmp_path, 390, 844)
    _phone(driver)
    _open(driver, paths["grid_editor.html"])
    for ids, grid in moves:
        assert sorted(_move(driver, ids, grid)["moved"]) == sorted(ids)
        units.loc[units["unit_id"].isin(ids), "grid_id"] = grid
    hh = units.groupby("grid_id")["households"].sum()
    out_of_band = set(hh[(hh < LO) | (hh > HI)].index)
    # C01-01 377 - 174 = 203, C01-03 409 + 174 = 583, C12-16 450 - 185 = 265, C12-17 476 + 185 + 118 = 779,
    # C12-18 361 - 118 = 243
    assert out_of_band == {"C12-17", "C12-16", "C12-18", "C01-03", "C01-01"}
    for step in ("legend open", "zoomed"):
        if step == "legend open":
            driver.execute_script("var l = document.querySelector('.sp-legend'); if (!l.open) "
                                  "{ l.querySelector('summary').click(); }")
        else:
            driver.execute_script("var m = window.spatialGridEditor.map; m.setZoom(m.getZoom() + 1, {animate: false})")
        time.sleep(0.4)
        assert driver.execute_script("return document.querySelector('.sp-legend').open") is True
        seen = driver.execute_script(READ_IDS)
        framed = {i[0] for i in seen["ids"] if i[5]}
        box = driver.execute_script("var r = document.getElementById('sp-map').getBoundingClientRect();"
                                    "return [r.left, r.top, r.right, r.bottom];")
        in_sight = {i[0] for i in seen["ids"] if i[1] >= box[0] and i[2] >= box[1] and i[3] <= box[2] and i[4] <= box[3]}
        if step == "legend open":  # the whole town in sight: every grid to mend named
            assert framed >= out_of_band and out_of_band <= in_sight, step
        under = [(i[0], c[0]) for i in seen["ids"] for c in seen["controls"] if max(_apart(i, c)) < 0]
        assert under == [], step
        close = [(a[0], b[0]) for a, b in itertools.combinations(seen["ids"], 2)
                 if _apart(a, b)[0] < 16 - 0.5 and _apart(a, b)[1] < 14 - 0.5]
        assert close == [], step
    assert _errors(driver) == []
