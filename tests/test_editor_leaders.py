"""A flagged grid's id moved off its own units (under the current grid's id, or the open legend) is
tied to its own grid on the grid editor: a leader from the id's edge to a point inside that grid.

Driven in headless Chromium. Each grid's polygon is built here with shapely from the page's own
data (its units' delta-encoded rings, decoded here) and the grid of each unit worked out in pandas
from the plan and the moves; the ids' and controls' boxes are read from the page's layout
(getBoundingClientRect), the leader's ends from the page's script interface.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from test_editor_browser import _chrome, _errors, _move, _open
from test_editor_flagged import _phone

from spatial.maps.editor import save_grid_editor

pytestmark = pytest.mark.browser

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000

# each visible id: its text, its box in the page (left, top, right, bottom) and the lon/lat of its centre;
# each leader from spatialGridEditor.leaders() with its ends in the page's pixels too
READ = """var m = window.spatialGridEditor.map, c = m.getContainer().getBoundingClientRect(), out = {ids: [], leaders: []};
document.querySelectorAll('.sp-glabel').forEach(function (e) {
  if (getComputedStyle(e.parentNode).visibility === 'hidden') { return; }
  var r = e.getBoundingClientRect(), ll = m.containerPointToLatLng([r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top]),
    nw = m.containerPointToLatLng([r.left - c.left, r.top - c.top]), se = m.containerPointToLatLng([r.right - c.left, r.bottom - c.top]);
  out.ids.push({id: e.textContent, box: [r.left, r.top, r.right, r.bottom], lon: ll.lng, lat: ll.lat,
    box_ll: [nw.lng, se.lat, se.lng, nw.lat], flag: e.classList.contains('sp-glabel-flag')});
});
window.spatialGridEditor.leaders().forEach(function (l) {
  var a = m.latLngToContainerPoint(l.from), b = m.latLngToContainerPoint(l.to);
  l.from_px = [a.x + c.left, a.y + c.top]; l.to_px = [b.x + c.left, b.y + c.top]; out.leaders.push(l);
});
out.paths = Array.prototype.filter.call(document.querySelectorAll('.leaflet-sp-leaders-pane path'), function (e) {
  return /[0-9.]+ [0-9.]+[LlAa]/.test(e.getAttribute('d') || ''); }).length;  // (drawn, not an empty 'M0 0')
var lg = document.querySelector('.sp-legend').getBoundingClientRect();
out.legend = [lg.left, lg.top, lg.right, lg.bottom];
return out;"""


def _page_units(page: Path) -> tuple[list[str], list]:
    """The units' ids and polygons (lon/lat) as the page holds them, decoded here from its JSON."""
    data = json.loads(re.search(r'<script type="application/json" id="sp-editor-data">(.*?)</script>',
                                page.read_text(encoding="utf-8"), re.S).group(1))
    s, x0, y0 = data["scale"], data["x0"], data["y0"]

    def ring(flat):
        xs = x0 + pd.Series(flat[0::2]).cumsum()
        ys = y0 + pd.Series(flat[1::2]).cumsum()
        return list(zip(xs / s, ys / s))

    polys = [shapely.union_all([Polygon(ring(p[0]), [ring(r) for r in p[1:]]) for p in geom])
             for geom in data["units"]["geom"]]
    return [str(u) for u in data["units"]["id"]], polys


def _grids(page: Path, grid_of: dict[str, str]) -> dict[str, object]:
    ids, polys = _page_units(page)
    frame = pd.DataFrame({"grid": [grid_of[u] for u in ids], "poly": polys})
    return {g: shapely.union_all(list(f["poly"])) for g, f in frame.groupby("grid")}


def _check_leaders(seen: dict, grids: dict) -> set[str]:
    """Every flagged id whose centre is off its own grid has one leader, from its box's edge to a point
    inside its own grid, crossing no other id; the grids with a leader are returned."""
    boxes = {i["id"]: i for i in seen["ids"]}
    moved = {i["id"] for i in seen["ids"] if i["flag"] and not grids[i["id"]].contains(Point(i["lon"], i["lat"]))}
    led = [leader["grid"] for leader in seen["leaders"]]
    assert len(led) == len(set(led)), led
    assert moved <= set(led), (moved, led)
    for leader in seen["leaders"]:
        g = leader["grid"]
        lon, lat = leader["to"][1], leader["to"][0]
        assert grids[g].contains(Point(lon, lat)), (g, "leader ends outside its grid")
        assert not any(other.contains(Point(lon, lat)) for k, other in grids.items() if k != g), g
        # it starts on its own id's box (its edge, within a pixel and a half)
        x0, y0, x1, y1 = boxes[g]["box"]
        assert box(x0, y0, x1, y1).exterior.distance(Point(leader["from_px"])) < 1.5, (g, leader["from_px"], boxes[g]["box"])
        # it crosses no other id, but one covering what is in sight of its grid (a grid of three units at the
        # phone's edge under C12-17's id: the leader runs under that id, which stays on top, readable)
        line = LineString([leader["from_px"], leader["to_px"]])
        crossed = [i for i in seen["ids"] if i["id"] != g and line.intersects(box(*i["box"]))]
        assert all(box(*i["box_ll"]).intersects(grids[g]) for i in crossed), (g, [i["id"] for i in crossed])
        assert len(crossed) <= 1, (g, [i["id"] for i in crossed])
    return set(led)


def _plan() -> gpd.GeoDataFrame:
    """C: a 4 x 4 block of 100 m squares around F, a 20 m square (one unit, 30 households) at its middle;
    D: one 100 m square 2 km east (so the whole plan fits only zoomed out, F under C's id)."""
    f = box(X0 + 190, Y0 + 190, X0 + 210, Y0 + 210)
    cs = [box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1)).difference(f)
          for r in range(4) for c in range(4)]
    geoms = [*cs, f, box(X0 + 2_000, Y0, X0 + 2_100, Y0 + 100)]
    return gpd.GeoDataFrame({"unit_id": [f"c{i}" for i in range(16)] + ["f", "d"],
                             "households": [25] * 16 + [30, 400], "grid_id": ["C"] * 16 + ["F", "D"]},
                            geometry=geoms, crs=UTM)


def test_an_id_moved_off_its_grid_has_a_leader_into_its_grid_and_none_once_back(tmp_path):
    units = _plan()
    page = save_grid_editor(units, tmp_path / "leader.html", lang="en")
    grids = _grids(page, dict(zip(units["unit_id"], units["grid_id"])))
    driver = _chrome(tmp_path, 1400, 900)
    try:
        _open(driver, page)
        seen = driver.execute_script(READ)
        assert {i["id"] for i in seen["ids"]} == {"F", "D"}   # C (400, in band) gives way to F (30, flagged)
        assert seen["leaders"] == [] and _check_leaders(seen, grids) == set()
        # C picked: its id stays, F's moves off F's only unit, over C, and a leader ties it to F
        driver.execute_script("window.spatialGridEditor.select('C')")
        time.sleep(0.3)
        whole = driver.execute_script("var m = window.spatialGridEditor.map, c = m.getCenter();"
                                      "return {center: [c.lat, c.lng], zoom: m.getZoom()}")
        seen = driver.execute_script(READ)
        f = next(i for i in seen["ids"] if i["id"] == "F")
        assert f["flag"] and grids["C"].contains(Point(f["lon"], f["lat"]))   # the id lies over grid C
        assert _check_leaders(seen, grids) == {"F"}
        assert seen["leaders"][0]["unit"] == "f" and seen["paths"] >= 3   # (the band, the line and its dot drawn)
        # zoomed in on F until both ids fit on their own units: the leader goes
        at = gpd.GeoSeries([Point(X0 + 200, Y0 + 200)], crs=UTM).to_crs(4326).iloc[0]
        driver.execute_script("window.spatialGridEditor.map.setView(arguments[0], 19, {animate: false})", [at.y, at.x])
        time.sleep(0.3)
        seen = driver.execute_script(READ)
        assert {i["id"] for i in seen["ids"]} >= {"C", "F"} and all(
            grids[i["id"]].contains(Point(i["lon"], i["lat"])) for i in seen["ids"])
        assert seen["leaders"] == [] and seen["paths"] == 0
        # back to the whole plan: the leader is back; 网格编号 (Grid ids) off in the layer list: ids and leader go
        driver.execute_script("var m = window.spatialGridEditor.map; m.setView(arguments[0], arguments[1], {animate: false})",
                              whole["center"], whole["zoom"])
        time.sleep(0.3)
        assert _check_leaders(driver.execute_script(READ), grids) == {"F"}
        driver.execute_script("var box = document.querySelector('.leaflet-control-layers');"
                              "Array.prototype.forEach.call(box.querySelectorAll('label'), function (l) {"
                              "if (l.textContent.trim() === 'Grid ids') { l.querySelector('input').click(); } });")
        time.sleep(0.3)
        seen = driver.execute_script(READ)
        assert seen["ids"] == [] and seen["leaders"] == [] and seen["paths"] == 0
        assert _errors(driver) == []
    finally:
        driver.quit()


DEMO_MOVES = [(["C01-0004"], "C01-03"),
              (["C12-0134", "C12-0159", "C12-0160", "C12-0161", "C12-0168", "C12-0176"], "C12-17")]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1400, 900)])
def test_on_the_demo_every_flagged_id_off_its_grid_points_into_its_own_grid(demo_outputs, tmp_path, width, height):
    # the demo's plan with five grids out of the band (as test_editor_flagged): on a phone with the legend
    # open, C12-17's and C12-18's ids sat beside the legend over C12-08 and C12-04, C12-16's beside it too,
    # C01-01's over C01-03's neighbour, with nothing to say whose they were
    paths = {p.name: p for p in demo_outputs}
    units = gpd.read_file(paths["results.gpkg"], layer="units")
    for ids, grid in DEMO_MOVES:
        units.loc[units["unit_id"].isin(ids), "grid_id"] = grid
    page = paths["grid_editor.html"]
    grids = _grids(page, dict(zip(units["unit_id"].astype(str), units["grid_id"])))
    driver = _chrome(tmp_path, width, height)
    try:
        if width < 700:
            _phone(driver)
        _open(driver, page)
        for ids, grid in DEMO_MOVES:
            assert sorted(_move(driver, ids, grid)["moved"]) == sorted(ids)
        led = {}
        for step in ("legend open", "legend folded", "zoomed"):
            want_open = step == "legend open"
            driver.execute_script("var l = document.querySelector('.sp-legend'); if (l.open !== arguments[0]) "
                                  "{ l.querySelector('summary').click(); }", want_open)
            if step == "zoomed":
                driver.execute_script("var m = window.spatialGridEditor.map; m.setZoom(m.getZoom() + 1, {animate: false})")
            time.sleep(0.4)
            seen = driver.execute_script(READ)
            led[step] = _check_leaders(seen, grids)
            # a leader's end under the open legend (its grid wholly under it) runs to the legend's edge
            for leader in seen["leaders"]:
                inside_legend = box(*seen["legend"]).contains(Point(leader["to_px"]))
                assert leader["hidden"] == (inside_legend and want_open), (step, leader)
        if width < 700:   # the known cases: the phone's four ids off their grids
            assert led["legend open"] == {"C12-16", "C12-17", "C12-18", "C01-01"}
            assert led["legend folded"] >= {"C12-16", "C12-18"}
        assert _errors(driver) == []
    finally:
        driver.quit()
