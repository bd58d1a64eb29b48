"""An outside planner's third pass over the grid editor, on a phone opened from WeChat (390 x 844,
taps) and on a laptop (1400 x 900, a mouse): the faults the first two passes left open, and those
met redrawing grids by hand on both screens.

The plans are tiny rows of 100 m boxes whose households, buildings and grids are written out here,
so every figure expected is counted by hand; outlines are checked with shapely on the boxes.
"""

from __future__ import annotations

import contextlib
import io
import math
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import MultiLineString, box

from test_editor_browser import _browser, _browsers_quit, _errors, _open  # noqa: F401  (quits them)

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0
API = "return window.spatialGridEditor."
WECHAT = ("Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
          "Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5223 MMWEBSDK/20230701 MicroMessenger/8.0.40")


def _cell(c: int, r: int):
    return box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1))


def _plan() -> gpd.GeoDataFrame:
    """A 4 x 2 row of 100 m boxes in community C1 (ids row by row, west to east):

        a2  a3  b3  b4
        a0  a1  b1  b2

    C1-01 = a0 a1 a2 a3 (100 + 150 + 90 + 60 = 400 households; 3 + 5 + 1 + 2 = 11 buildings),
    C1-02 = b1 b2 b3 b4 (120 + 80 + 200 + 50 = 450 households; 4 + 1 + 6 + 1 = 12 buildings)."""
    cells = [(c, r) for r in range(2) for c in range(4)]
    return gpd.GeoDataFrame({
        "unit_id": ["a0", "a1", "b1", "b2", "a2", "a3", "b3", "b4"],
        "grid_id": ["C1-01", "C1-01", "C1-02", "C1-02", "C1-01", "C1-01", "C1-02", "C1-02"],
        "community_id": ["C1"] * 8,
        "households": [100, 150, 120, 80, 90, 60, 200, 50],
        "buildings": [3, 5, 4, 1, 1, 2, 6, 1],
    }, geometry=[_cell(c, r) for c, r in cells], crs=UTM)


def _community() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)


def _screen(tmp_path, width: int, height: int, *, user_agent: str | None = None, scale: int = 2):
    """Headless Chromium as a touch screen of that size (a tablet either way up, a phone)."""
    driver = _browser(tmp_path, max(width, 500), height, user_agent=user_agent)
    # (headless Chromium lays a window out 500 px wide at least: a narrower screen is emulated)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": True})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    return driver


def _phone(tmp_path):
    """Headless Chromium as a phone opening the page from WeChat: 390 x 844, touch."""
    return _screen(tmp_path, 390, 844, user_agent=WECHAT, scale=3)


@contextlib.contextmanager
def _page(units, tmp_path, *, phone: bool = False, screen: tuple[int, int] | str = "laptop", **options):
    """The editor page of ``units`` (band 100-500) open at 1400 x 900, on a phone in WeChat
    (``phone``, or ``screen="phone"``: 390 x 844) or on a touch screen of the size ``screen``."""
    from spatial.maps.editor import save_grid_editor

    options.setdefault("min_households", 100)
    options.setdefault("max_households", 500)
    page = save_grid_editor(units, tmp_path / "plan.html", **options)
    driver = (_phone(tmp_path) if phone or screen == "phone" else _browser(tmp_path) if screen == "laptop"
              else _screen(tmp_path, *screen))
    _open(driver, page)
    yield driver
    assert _errors(driver) == []


def _unit_at(driver, unit_id: str, zoom: float | None = 17) -> tuple[float, float]:
    """Where the unit's inside point is in the window (the map centred there first at ``zoom``)."""
    return driver.execute_script("""
        var m = window.spatialGridEditor.map, D = JSON.parse(document.getElementById('sp-editor-data').textContent);
        var i = D.units.id.map(String).indexOf(arguments[0]), p = D.units.pt[i];
        var ll = L.latLng((D.y0 + p[1]) / D.scale, (D.x0 + p[0]) / D.scale);
        if (arguments[1]) { m.setView(ll, arguments[1], {animate: false}); }
        var c = m.latLngToContainerPoint(ll), r = m.getContainer().getBoundingClientRect();
        return [c.x + r.left, c.y + r.top];""", unit_id, zoom)


def _tap(driver, x: float, y: float, *, wait_s: float = 5.0) -> bool:
    """A finger's tap (touch start and end) at a point of the window, and the click it makes handled
    (waited for up to ``wait_s``): whether it made a click."""
    driver.execute_script("window.__tapped = false; document.addEventListener('click', function () {"
                          "window.__tapped = true; }, {once: true, capture: true});")
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    for _ in range(int(wait_s * 10)):
        time.sleep(0.1)
        if driver.execute_script("return window.__tapped"):
            break
    time.sleep(0.1)  # (the click's handlers ran with it; the compatibility mouse events follow it)
    return bool(driver.execute_script("return window.__tapped"))


def _click(driver, x: float, y: float) -> None:
    """A mouse click at a point of the window."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    chain = ActionBuilder(driver)
    chain.pointer_action.move_to_location(int(x), int(y)).click()
    chain.perform()
    time.sleep(0.2)


def _tooltips(driver) -> list[str]:
    """The text of every tooltip shown over the map."""
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.leaflet-tooltip'), function (t) {"
        "return t.offsetParent ? t.innerText : null; }).filter(function (t) { return t !== null; })")


def _text(driver, element_id: str) -> str:
    return driver.find_element("id", element_id).text


def _now(driver) -> str:
    """The current grid's line held at the top of a phone's sheet (hidden on a laptop)."""
    return driver.execute_script("return document.getElementById('sp-now').textContent")


# ------------------------------------------------------------------ 1: a tap leaves a tooltip open


@pytest.mark.browser
def test_on_a_phone_a_tap_leaves_no_tooltip_over_the_map(tmp_path):
    # before: at 390 x 844 from WeChat, a tap on a3 (选网格) opened the hover box "单元 a3 / 网格 C1-01 /
    # 户数 60" 68 px tall over the units above it, and it stayed open (the mouseout that closes it never
    # comes from a finger); in 点选调整 each tap moved it to the unit tapped, over the next one to tap
    with _page(_plan(), tmp_path, phone=True) as driver:
        _tap(driver, *_unit_at(driver, "a3"))
        assert "C1-01" in _now(driver) and _tooltips(driver) == []
        driver.find_element("id", "sp-mode-paint").click()
        _tap(driver, *_unit_at(driver, "b3", None))
        assert driver.execute_script(API + "gridOf('b3')") == "C1-01" and _tooltips(driver) == []
        # a unit found by its id is shown with its box (asked for), until the next tap on the map
        driver.find_element("id", "sp-find").send_keys("b4")
        driver.find_element("id", "sp-find-go").click()
        assert len(_tooltips(driver)) == 1 and "b4" in _tooltips(driver)[0]
        # typing in the find box scrolled the sheet down past the mode buttons (two rows on a phone
        # since the 问题网格 button): scrolled back up, as a finger does, before tapping 选网格
        driver.execute_script("document.getElementById('sp-mode-pick').scrollIntoView({block: 'center'})")
        driver.find_element("id", "sp-mode-pick").click()
        _tap(driver, *_unit_at(driver, "a0"))
        assert _tooltips(driver) == [] and "C1-01" in _now(driver)


@pytest.mark.browser
def test_on_a_laptop_the_mouse_still_shows_each_units_box_and_it_follows_a_move(tmp_path):
    with _page(_plan(), tmp_path) as driver:
        _click(driver, *_unit_at(driver, "a3"))
        assert _tooltips(driver) == ["单元 a3\n网格 C1-01\n户数 60"]
        driver.execute_script(API + "select('C1-02')")
        driver.find_element("id", "sp-mode-paint").click()
        _click(driver, *_unit_at(driver, "a3", None))  # moved: the box says its grid now
        assert _tooltips(driver) == ["单元 a3\n网格 C1-02\n户数 60"]


# ------------------------------------------------------------ 2: the current grid's outline


def _outline(driver) -> MultiLineString:
    """The current grid's outline as the page draws it (thick, dark blue), in UTM metres."""
    lines = driver.execute_script("""
        var out = [];
        window.spatialGridEditor.map.eachLayer(function (l) {
            if (l instanceof L.Polyline && !(l instanceof L.Polygon) && l.options.color === '#0b3c8c' &&
                l.options.weight === 4) {
                var ll = l.getLatLngs();
                (ll.length && !Array.isArray(ll[0]) ? [ll] : ll).forEach(function (line) {
                    out.push(line.map(function (p) { return [p.lng, p.lat]; }));
                });
            }
        });
        return out;""")
    to_utm = Transformer.from_crs(4326, UTM, always_xy=True)
    return MultiLineString([[to_utm.transform(x, y) for x, y in line] for line in lines if len(line) > 1])


@pytest.mark.browser
@pytest.mark.parametrize("grid", ["C1-01", "C1-02"])
def test_the_current_grids_outline_runs_round_the_whole_grid(tmp_path, grid):
    # before: picking C1-01 drew its blue outline along the 200 m it shares with C1-02 only: not
    # along its 600 m on the community's boundary (the town's edge), so a grid there had no outline
    # on three sides; now the outline is the grid's whole boundary (800 m) and nothing inside it
    units = _plan()
    with _page(units, tmp_path, communities=_community()) as driver:
        driver.execute_script(API + "select(arguments[0])", grid)
        drawn = _outline(driver)
        want = shapely.union_all(units.loc[units["grid_id"] == grid, "geometry"].to_numpy()).boundary
        assert want.length == pytest.approx(800)
        assert want.difference(drawn.buffer(1.0)).length < 1e-6           # every metre of it is drawn
        assert drawn.difference(want.buffer(0.2)).length < 1e-6          # and no line inside the grid
        assert drawn.length == pytest.approx(800, abs=5)
        # a move redraws it: C1-01 with b1 and b3 (a 300 x 200 block less b2's corner: 1,000 m round)
        driver.execute_script(API + "move(['b1', 'b3'], 'C1-01')")
        driver.execute_script(API + "select('C1-01')")
        drawn = _outline(driver)
        want = shapely.union_all([_cell(c, r) for c, r in [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]]).boundary
        assert want.difference(drawn.buffer(1.0)).length < 1e-6 and drawn.difference(want.buffer(0.2)).length < 1e-6


# -------------------------------------------------------------------- 3: "1 units" in English


@pytest.mark.browser
def test_the_english_page_says_1_unit_not_1_units(tmp_path):
    # before: "1 grids: 1 in band", "The 1 units of grid C1-03 are locked: they will not move.",
    # "Grid C1-03 merged into C1-01 (1 units).", "1 locked units not moved", ", 1 units in no grid"
    units = _plan().assign(grid_id=["C1-01"] * 5 + ["C1-02", "C1-01", None],
                           locked=[False] * 5 + [True, False, False])
    with _page(units, tmp_path, lang="en") as driver:
        # C1-01: every unit but a3 (locked, alone in C1-02) and b4 (in no grid) = 850 - 60 - 50 = 740, over;
        # C1-02: 60, under
        assert _text(driver, "sp-summary") == "2 grids: 0 in band, 2 out of band (C1-01: 740, C1-02: 60), 0 in pieces, 1 unit in no grid"
        driver.execute_script(API + "select('C1-01')")
        assert driver.execute_script(API + "move(['a3'], 'C1-01')")["locked"] == ["a3"]
        assert _text(driver, "sp-note") == "1 locked unit not moved: a3."
        driver.execute_script(API + "lockGrid('C1-02', false)")
        assert _text(driver, "sp-note") == "The 1 unit of grid C1-02 is unlocked."
        driver.execute_script(API + "lockGrid('C1-02', true)")
        assert _text(driver, "sp-note") == "The 1 unit of grid C1-02 is locked: it will not move."
        driver.execute_script(API + "lockGrid('C1-02', false)")
        driver.execute_script(API + "merge('C1-02', 'C1-01')")
        assert _text(driver, "sp-note") == "Grid C1-02 merged into C1-01 (1 unit)."
        assert _text(driver, "sp-summary") == "1 grid: 0 in band, 1 out of band (C1-01: 800), 0 in pieces, 1 unit in no grid"
        driver.find_element("id", "sp-export-csv").click()
        assert "but the plan still has 1 unit in no grid (b4)." in _text(driver, "sp-note")
        # many take the plural, as before
        driver.execute_script(API + "lockGrid('C1-01', true)")
        assert _text(driver, "sp-note") == "The 7 units of grid C1-01 are locked: they will not move."
        driver.refresh()
        _open(driver, tmp_path / "plan.html")
        assert _text(driver, "sp-note") == "Restored 5 unexported edits from last time."


@pytest.mark.browser
def test_a_single_unit_cut_off_from_its_community_is_said_in_the_singular(tmp_path):
    # before: "These 1 units share no edge with the rest of the community ... and hold 40 households"
    units = _plan()
    island = gpd.GeoDataFrame({"unit_id": ["i0"], "grid_id": ["C1-03"], "community_id": ["C1"], "households": [40],
                               "buildings": [1]}, geometry=[_cell(6, 0)], crs=UTM)
    units = pd.concat([units, island], ignore_index=True)
    with _page(units, tmp_path, lang="en") as driver:
        driver.execute_script(API + "select('C1-03')")
        said = _text(driver, "sp-active")
        assert "This unit shares no edge with the rest of the community" in said
        assert "and holds 40 households, under 100" in said


# ------------------------------------------------- 4: each grid's 楼栋长 and 联户长 on the page


@pytest.mark.browser
def test_each_grids_building_and_household_leads_are_on_the_page_as_units_move(tmp_path):
    # before: the page gave households, population and units, and no 楼栋长 or 联户长: a planner
    # moving b1 (4 buildings, 120 households) into C1-01 had to work out by hand that it now needs
    # ceil(15 / 2) = 8 楼栋长 (not 6) and ceil(520 / 10) = 52 联户长 (not 40)
    with _page(_plan(), tmp_path) as driver:
        assert driver.execute_script(API + "staff()") == {
            "C1-01": {"full_time_workers": 1, "part_time_workers": 1, "n_buildings": 11,
                      "building_leads": math.ceil(11 / 2), "household_leads": 400 // 10},
            "C1-02": {"full_time_workers": 1, "part_time_workers": 1, "n_buildings": 12,
                      "building_leads": 12 // 2, "household_leads": 45}}
        driver.execute_script(API + "select('C1-01')")
        assert "楼栋长6·联户长40" in _now(driver)
        assert "需配网格员2名（专职1名、兼职1名）、楼栋长6名（11栋）、联户长40名（400户）" in _text(driver, "sp-active")
        header = driver.find_element("css selector", "#sp-active th.sp-leads").text
        assert header.replace("\n", "") == "楼栋长/联户长"
        assert "C1-01 400 −5.9% 4 6/40 达标" in _text(driver, "sp-active").replace("\n", " ")
        driver.execute_script(API + "move(['b1'], 'C1-01')")
        assert "楼栋长8·联户长52" in _now(driver)  # 11 + 4 = 15 buildings, 400 + 120 households
        assert "C1-02 330" in _text(driver, "sp-touched") and "4/33" in _text(driver, "sp-touched")
        driver.execute_script(API + "undo()")
        assert "楼栋长6·联户长40" in _now(driver)
        assert "楼栋长按每2栋1名、联户长按每10户1名测算" in driver.page_source


@pytest.mark.browser
def test_the_pages_leads_are_those_of_the_grids_layer_spatial_grids_writes_for_the_plan(tmp_path, capsys):
    # the same rule and numbers (spatial.staffing) on the page and in the grids layer: the plan as
    # edited on the page, exported and given back to spatial grids, is staffed alike
    from spatial.cli import main

    units = _plan()
    units.drop(columns="grid_id").rename(columns={"buildings": "楼栋数", "households": "户数"}).to_file(
        tmp_path / "units.gpkg")
    _community().to_file(tmp_path / "communities.gpkg")
    plan = units.assign(楼栋数=units["buildings"], 户数=units["households"]).drop(columns=["buildings", "households"])
    plan.to_file(tmp_path / "plan.gpkg")
    page = tmp_path / "edit.html"
    assert main(["-q", "editor", str(tmp_path / "plan.gpkg"), "--out", str(page), "--min", "100", "--max", "500"]) == 0
    driver = _browser(tmp_path)
    _open(driver, page)
    driver.execute_script(API + "move(['b1'], 'C1-01')")
    on_page = driver.execute_script(API + "staff()")
    (tmp_path / "edited.csv").write_text(driver.execute_script(API + "exportCsv()").lstrip("\ufeff"),
                                        encoding="utf-8")
    assert main(["-q", "grids", str(tmp_path / "communities.gpkg"), str(tmp_path / "units.gpkg"), "--existing",
                 str(tmp_path / "edited.csv"), "--min", "100", "--max", "600", "--out", str(tmp_path / "g.gpkg")]) == 0
    assert gpd.read_file(tmp_path / "g.gpkg", layer="moves").empty  # (kept as edited)
    grids = gpd.read_file(tmp_path / "g.gpkg", layer="grids").set_index("grid_id")
    cols = ["full_time_workers", "part_time_workers", "n_buildings", "building_leads", "household_leads"]
    assert grids[cols].astype(int).to_dict("index") == on_page
    assert on_page["C1-01"]["n_buildings"] == 3 + 5 + 1 + 2 + 4 and on_page["C1-02"]["household_leads"] == 33


@pytest.mark.browser
def test_without_a_buildings_column_a_unit_with_households_is_one_building_as_in_spatial_grids(tmp_path):
    # (as spatial grids counts n_buildings then, and says so: here in the page's note)
    units = _plan().drop(columns="buildings").assign(households=[100, 150, 120, 80, 0, 60, 200, 50])
    with _page(units, tmp_path) as driver:
        staff = driver.execute_script(API + "staff()")
        assert {g: (s["n_buildings"], s["building_leads"]) for g, s in staff.items()} == {"C1-01": (3, 2),
                                                                                            "C1-02": (4, 2)}
        assert "单元没有楼栋数列：楼栋数按有住户的单元个数计" in driver.page_source


# ----------------------------------------------------------- 5: redrawing on a phone, folded


def _in_sight(driver, element_id: str) -> bool:
    """Whether the element is on the screen and nothing covers its middle."""
    return driver.execute_script("""
        var e = document.getElementById(arguments[0]), r = e.getBoundingClientRect();
        if (!r.height || r.top < 0 || r.bottom > window.innerHeight) { return false; }
        var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !!hit && (e.contains(hit) || hit.contains(e));""", element_id)


@pytest.mark.browser
def test_on_a_phone_the_folded_sheet_keeps_the_current_grid_and_the_button_to_unfold_it_in_sight(tmp_path):
    # before: in WeChat at 390 x 844, 收起/展开 folded the sheet to 120 px showing the title and the
    # first lines of WeChat's warning; the current grid's line was out of sight and the button to
    # unfold the sheet lay at y = 990, below the screen: it took a scroll inside a 120 px box to find
    with _page(_plan(), tmp_path, phone=True) as driver:
        _tap(driver, *_unit_at(driver, "a3"))
        toggle = driver.find_element("id", "sp-toggle").rect
        _tap(driver, toggle["x"] + toggle["width"] / 2, toggle["y"] + toggle["height"] / 2)
        assert driver.execute_script("return document.body.classList.contains('sp-collapsed')")
        assert _in_sight(driver, "sp-now") and "C1-01" in _now(driver)
        assert all(_in_sight(driver, f"sp-mode-{m}") for m in ("pick", "paint", "lasso", "merge"))
        assert _in_sight(driver, "sp-toggle")
        # a tap moving a unit while folded: its grid's households in sight
        driver.find_element("id", "sp-mode-paint").click()
        _tap(driver, *_unit_at(driver, "b1"))
        assert "520" in _now(driver) and _in_sight(driver, "sp-now")
        toggle = driver.find_element("id", "sp-toggle").rect
        _tap(driver, toggle["x"] + toggle["width"] / 2, toggle["y"] + toggle["height"] / 2)
        assert not driver.execute_script("return document.body.classList.contains('sp-collapsed')")
        assert _in_sight(driver, "sp-in-app")  # unfolded: WeChat's warning above the tools again


@pytest.mark.browser
def test_the_geojson_export_keeps_the_buildings_so_a_page_made_from_it_staffs_the_grids_alike(tmp_path):
    # without the units' 楼栋数 in the export, a page (or spatial grids) made from it counted a unit
    # with households as one building: C1-01's 楼栋长 went from ceil(11 / 2) = 6 to ceil(4 / 2) = 2
    from spatial.cli import main

    units = _plan().rename(columns={"buildings": "楼栋数"})
    units.to_file(tmp_path / "plan.gpkg")
    assert main(["-q", "editor", str(tmp_path / "plan.gpkg"), "--out", str(tmp_path / "first.html")]) == 0
    driver = _browser(tmp_path)
    _open(driver, tmp_path / "first.html")
    before = driver.execute_script(API + "staff()")
    assert before["C1-01"]["n_buildings"] == 11
    (tmp_path / "first_plan.geojson").write_text(driver.execute_script(API + "exportGeoJson()"), encoding="utf-8")
    assert gpd.read_file(tmp_path / "first_plan.geojson")["楼栋数"].tolist() == [3, 5, 4, 1, 1, 2, 6, 1]
    assert main(["-q", "editor", str(tmp_path / "first_plan.geojson"), "--out", str(tmp_path / "second.html")]) == 0
    _open(driver, tmp_path / "second.html")
    assert driver.execute_script(API + "staff()") == before


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_on_a_phone_each_grid_row_keeps_its_id_on_one_line(tmp_path, lang):
    # before: at 390 px the flagged grids' rows read "C1-" / "02" (and the swatch on a line of its
    # own once the 楼栋长/联户长 column came): the id column was squeezed to a few characters by the
    # households, units and status columns, three lines a row, while other columns had room
    units = _plan().assign(community_id=["C1"] * 7 + ["C2"], households=[100, 150, 120, 80, 90, 60, 900, 350],
                           grid_id=["C1-01"] * 2 + ["C1-02"] * 2 + ["C1-01"] * 2 + ["C1-02"] * 2)
    with _page(units, tmp_path, phone=True, lang=lang, max_deviation_pct=5) as driver:
        driver.execute_script(API + "select('C1-01')")
        driver.execute_script(API + "newGrid()")  # an empty grid listed too
        lines = driver.execute_script("""
            return Array.prototype.map.call(document.querySelectorAll('#sp-flags tr[data-grid] td.sp-name'), function (td) {
                var r = document.createRange(); r.selectNodeContents(td);  // (lines: its height over one line's)
                return [td.textContent, Math.round(r.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight))];
            });""")
        assert sorted(lines) == [["C1-01", 1], ["C1-02", 1], ["C1-03", 1]]
        assert driver.execute_script("var p = document.querySelector('.sp-panel'); return p.scrollWidth <= p.clientWidth")


@pytest.mark.browser
def test_a_page_reloaded_on_a_phone_comes_back_on_the_grid_and_the_place_the_planner_left(tmp_path):
    # before: WeChat reloads a page it kept in the background; the page said "已恢复上次未完成的1步调整"
    # but opened on the whole plan zoomed out, no grid picked: the planner zoomed in and found C1-02
    # again before the next tap
    with _page(_plan(), tmp_path, phone=True) as driver:
        _tap(driver, *_unit_at(driver, "b3", 18))
        driver.find_element("id", "sp-mode-paint").click()
        _tap(driver, *_unit_at(driver, "a3", None))
        assert driver.execute_script(API + "gridOf('a3')") == "C1-02"
        zoom, *centre = driver.execute_script("var m = window.spatialGridEditor.map; return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]")
        driver.refresh()
        _open(driver, tmp_path / "plan.html")
        # C1-02 = b1 b2 b3 b4 + a3 = 120 + 80 + 200 + 50 + 60 = 510
        assert _now(driver).startswith("C1-02 510户") and _in_sight(driver, "sp-now")
        assert _now(driver).endswith("已恢复上次未完成的1步调整。")
        back = driver.execute_script("var m = window.spatialGridEditor.map; return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]")
        assert back[0] == zoom and back[1:] == pytest.approx(centre, abs=1e-5)  # (to a metre)
        # a tap picks (the page opens in 选网格, as always: a tap after a reload moves nothing unasked)
        assert "sp-on" in driver.find_element("id", "sp-mode-pick").get_attribute("class")


@pytest.mark.browser
def test_on_a_laptop_the_english_lists_with_the_leads_column_stay_inside_the_panel(tmp_path):
    # (the 楼栋长/联户长 column with Households, Population and a grid's chips "over" and "2 communities"
    # ran the status past the panel's right edge, behind a sideways scroll)
    units = _plan().assign(community_id=["C1"] * 7 + ["C2"], households=[100, 150, 120, 80, 90, 60, 900, 350],
                           population=[250] * 8)
    with _page(units, tmp_path, lang="en") as driver:
        driver.execute_script(API + "select('C1-02')")
        assert "2 communities" in _text(driver, "sp-active")
        seen = driver.execute_script("""
            var panel = document.querySelector('.sp-panel'), right = panel.getBoundingClientRect().right;
            return {out: Array.prototype.filter.call(panel.querySelectorAll('td, th, .sp-chip'), function (e) {
                        return e.getBoundingClientRect().right > right + 1; }).map(function (e) { return e.textContent; }),
                    sideways: Array.prototype.filter.call(panel.querySelectorAll('*'), function (e) {
                        return e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'; }).length};""")
        assert seen == {"out": [], "sideways": 0}


@pytest.mark.browser
def test_on_a_phone_held_sideways_the_current_grids_line_stays_in_sight_and_the_legend_folds(tmp_path):
    # before: at 844 x 390 (a phone turned sideways in WeChat) the page took the desktop's side panel,
    # where the 当前网格 table sat 330 px down a 390 px screen: a tap moving a3 into C1-02 (450 ->
    # 510 households) showed nothing in sight, and the open legend covered a third of the map's height
    from spatial.maps.editor import save_grid_editor

    page = save_grid_editor(_plan(), tmp_path / "plan.html", min_households=100, max_households=500)
    driver = _browser(tmp_path, 900, 500, user_agent=WECHAT)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 844, "height": 390, "deviceScaleFactor": 3, "mobile": True})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    _open(driver, page)
    assert driver.execute_script("return document.querySelector('.sp-legend').open") is False
    _tap(driver, *_unit_at(driver, "b3"))
    driver.find_element("id", "sp-mode-paint").click()
    _tap(driver, *_unit_at(driver, "a3", None))
    assert driver.execute_script(API + "gridOf('a3')") == "C1-02"
    for scroll in (0, 10**6):  # at the top of the panel, and scrolled down to the exports
        driver.execute_script("document.querySelector('.sp-panel').scrollTop = arguments[0]", scroll)
        assert _now(driver).startswith("C1-02 510户") and _in_sight(driver, "sp-now"), scroll
    assert _errors(driver) == []


@pytest.mark.browser
def test_the_current_grids_outline_rings_each_footprint_with_no_unit_beside_it(tmp_path):
    # building footprints 80 m wide with 20 m lanes between them (neighbours across the lane, as the
    # grids engine reads them): no edge is shared, and the outline is each footprint's own ring
    boxes = [box(X0 + 100 * c, Y0, X0 + 100 * c + 80, Y0 + 80) for c in range(4)]
    units = gpd.GeoDataFrame({"unit_id": ["f0", "f1", "f2", "f3"], "grid_id": ["G1", "G1", "G2", "G2"],
                              "households": [150, 150, 150, 150]}, geometry=boxes, crs=UTM)
    with _page(units, tmp_path) as driver:
        driver.execute_script(API + "select('G2')")
        drawn = _outline(driver)
        want = MultiLineString([list(b.exterior.coords) for b in boxes[2:]])
        assert want.difference(drawn.buffer(1.0)).length < 1e-6 and drawn.difference(want.buffer(0.2)).length < 1e-6
        assert driver.execute_script(API + "stats()")["G2"]["contiguous"] is True  # (across the lane)


@pytest.mark.browser
def test_on_a_phone_what_a_tap_did_is_said_once(tmp_path):
    # before: "网格C1-02已并入C1-01（4个单元）。" stood in the current grid's line and again under
    # the tools, 60 px apart, both in sight on a 390 x 844 screen
    with _page(_plan(), tmp_path, phone=True) as driver:
        _tap(driver, *_unit_at(driver, "a0"))
        driver.find_element("id", "sp-mode-merge").click()
        _tap(driver, *_unit_at(driver, "b1", None))
        said = "网格C1-02已并入C1-01（4个单元）。"
        shown = driver.execute_script("""
            var said = arguments[0];
            return Array.prototype.filter.call(document.querySelectorAll('.sp-panel *'), function (e) {
                return e.children.length === 0 && e.textContent === said && e.getClientRects().length > 0;
            }).length;""", said)
        assert shown == 1 and said in _now(driver)
