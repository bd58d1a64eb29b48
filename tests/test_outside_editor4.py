"""An outside planner's fourth pass over the grid editor, on a phone opened from WeChat (390 x 844,
taps), a tablet (768 x 1024 upright and 1024 x 768 sideways, a finger) and a laptop (1400 x 900, a
mouse): the faults the third pass left open, and those met redrawing grids by hand on the three.

The plans are editor3's rows of 100 m boxes (households and buildings written out there), so every
figure expected is counted by hand; contrast is worked out here from the WCAG formula.
"""

from __future__ import annotations

import contextlib
import io
import re
import time

import geopandas as gpd
import pandas as pd
import pytest

from test_outside_editor3 import (  # noqa: F401  (_browsers_quit: the browsers _page opens quit with this module)
    API, _browsers_quit, _click, _community, _in_sight, _now, _page, _plan, _tap, _text, _unit_at)


def _press(driver, element_id: str) -> None:
    """A mouse click on a button of the panel."""
    driver.find_element("id", element_id).click()
    time.sleep(0.1)


# ------------------------------------------------------ 1: what an undo or a redo did, said


@pytest.mark.browser
def test_undo_and_redo_say_which_move_came_back(tmp_path):
    # before: Undo and Redo cleared the note and said nothing: a planner who pressed Undo twice after
    # moving a3 and merging C1-02 saw the figures change and did not know which step had come back
    with _page(_plan(), tmp_path) as driver:
        _click(driver, *_unit_at(driver, "b3"))              # pick C1-02
        _press(driver, "sp-mode-paint")
        _click(driver, *_unit_at(driver, "a3", None))        # a3 into C1-02
        driver.execute_script(API + "select('C1-01')")
        _press(driver, "sp-mode-merge")
        _click(driver, *_unit_at(driver, "b1", None))        # C1-02 (its 5 units) into C1-01
        assert driver.execute_script(API + "gridOf('b4')") == "C1-01"
        _press(driver, "sp-undo")
        said = _text(driver, "sp-note")
        assert re.fullmatch(r"已撤销：5个单元（(.*)）从C1-01退回C1-02。", said), said
        assert sorted(re.search(r"（(.*)）", said).group(1).split("、")) == ["a3", "b1", "b2", "b3", "b4"]
        _press(driver, "sp-undo")
        assert _text(driver, "sp-note") == "已撤销：单元a3从C1-02退回C1-01。"
        assert driver.execute_script(API + "gridOf('a3')") == "C1-01"
        _press(driver, "sp-redo")
        assert _text(driver, "sp-note") == "已重做：单元a3调入C1-02。"
        # a new grid and a lock, undone and done again
        driver.execute_script(API + "newGrid()")
        _press(driver, "sp-undo")
        assert _text(driver, "sp-note") == "已撤销：新建的网格C1-03已删除。"
        _press(driver, "sp-redo")
        assert _text(driver, "sp-note") == "已重做：新建网格C1-03。"
        driver.execute_script(API + "lockGrid('C1-01', true)")
        _press(driver, "sp-undo")
        assert _text(driver, "sp-note") == "已撤销锁定：网格C1-01的3个单元已解锁。"
        # Ctrl+Z says it alike
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
        assert _text(driver, "sp-note") == "已撤销：新建的网格C1-03已删除。"


@pytest.mark.browser
def test_undo_and_redo_say_what_they_did_in_english_and_in_a_phones_line(tmp_path):
    with _page(_plan(), tmp_path, screen="phone", lang="en") as driver:
        _tap(driver, *_unit_at(driver, "a0"))
        driver.find_element("id", "sp-mode-paint").click()
        _tap(driver, *_unit_at(driver, "b1", None))
        driver.execute_script(API + "move(['b2', 'b4'], 'C1-01')")
        driver.execute_script(API + "lockGrid('C1-02', true)")
        driver.execute_script(API + "lockGrid('C1-02', false)")
        undo = driver.find_element("id", "sp-undo").rect
        _tap(driver, undo["x"] + undo["width"] / 2, undo["y"] + undo["height"] / 2)
        said = "Undone: the 1 unit of grid C1-02 is locked again."
        assert said in _now(driver) and _in_sight(driver, "sp-now")
        for _ in range(2):
            driver.execute_script(API + "undo()")
        assert _now(driver).endswith("Undone: 2 units (b2, b4) back from C1-01 to C1-02.")
        driver.execute_script(API + "undo()")
        assert _now(driver).endswith("Undone: unit b1 back from C1-01 to C1-02.")
        driver.execute_script(API + "redo()")
        assert _now(driver).endswith("Redone: unit b1 moved into C1-01.")
        driver.execute_script(API + "newGrid()")
        driver.execute_script(API + "undo()")
        # before: the grid undone was current, so the line went blank and the note lay under the tools, out
        # of sight; now the page is back on the grid current when C1-03 was made
        assert _now(driver).startswith("C1-01 ") and _now(driver).endswith("Undone: new grid C1-03 removed.")
        assert _in_sight(driver, "sp-now")
        # with no grid current (picked in the list: none), what a lasso refused is in the line alone, in sight
        driver.execute_script("var s = document.getElementById('sp-sel'); s.value = '';"
                              "s.dispatchEvent(new Event('change'));")
        driver.find_element("id", "sp-mode-lasso").click()
        x, y = _unit_at(driver, "a0", None)
        for kind, dx, dy in (("touchStart", -30, -30), ("touchMove", 30, -30), ("touchMove", 30, 30),
                             ("touchMove", -30, 30)):
            driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x + dx, "y": y + dy}]})
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        time.sleep(0.2)
        assert _now(driver) == "Pick the grid to move units into first." and _in_sight(driver, "sp-now")


# ---------------------------------------------------------- 2: notes coloured by their kind


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of a CSS 'rgb(r, g, b)' or 'rgba(...)' colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(fg: str, bg: str) -> float:
    hi, lo = sorted([_luminance(fg), _luminance(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _note_colours(driver, element_id: str = "sp-note") -> tuple[str, str, str]:
    """The note's class, text colour and the colour of the ground it is read on."""
    return tuple(driver.execute_script("""
        var e = document.getElementById(arguments[0]);
        e = e.classList.contains('sp-now-note') || e.id === 'sp-note' ? e : e.querySelector('.sp-now-note');
        var bg = 'rgb(255, 255, 255)';
        for (var x = e; x; x = x.parentElement) {
            var c = getComputedStyle(x).backgroundColor;
            if (c && c !== 'transparent' && !/, 0\\)$/.test(c)) { bg = c; break; }
        }
        return [e.className, getComputedStyle(e).color, bg];""", element_id))


@pytest.mark.browser
def test_a_note_says_by_its_colour_whether_it_was_done_warned_or_refused(tmp_path):
    # before: every note was red (#b2182b): "Grid C1-02 merged into C1-01 (4 units)." and an export
    # saved read as errors, as did "1 locked unit not moved: a3."
    units = _plan().assign(locked=[False] * 5 + [True, False, False])  # a3 locked
    with _page(units, tmp_path, lang="en") as driver:
        seen = {}
        driver.execute_script(API + "select('C1-02')")
        driver.execute_script(API + "move(['a3'], 'C1-02')")       # nothing moved: refused
        seen["refused"] = (_text(driver, "sp-note"), _note_colours(driver))
        driver.execute_script(API + "move(['a3', 'a2'], 'C1-02')")  # a2 moved, a3 not: a warning
        seen["warn"] = (_text(driver, "sp-note"), _note_colours(driver))
        driver.execute_script(API + "undo()")
        driver.execute_script(API + "merge('C1-02', 'C1-01')")      # done
        seen["done"] = (_text(driver, "sp-note"), _note_colours(driver))
        assert seen["refused"][0] == "1 locked unit not moved: a3."
        assert seen["warn"][0] == "1 locked unit not moved: a3."
        assert seen["done"][0] == "Grid C1-02 merged into C1-01 (4 units)."
        for kind, (_, (cls, fg, bg)) in seen.items():
            assert cls == f"sp-note-{kind}"
            assert _contrast(fg, bg) >= 7, (kind, fg, bg)  # (WCAG AAA: read on a phone in the sun)
        assert len({colours[1] for _, colours in seen.values()}) == 3  # three colours, not one red
        # a clean export is said, and is done; one leaving a grid in pieces is a warning
        _press(driver, "sp-export-csv")
        assert _text(driver, "sp-note") == "Exported plan_plan.csv." and _note_colours(driver)[0] == "sp-note-done"
        driver.execute_script(API + "newGrid()")  # C1-03, after the current C1-02 (merged away)
        driver.execute_script(API + "move(['a1', 'b3'], 'C1-03')")  # corner to corner, and C1-01 cut in two
        _press(driver, "sp-export-csv")
        assert _text(driver, "sp-note").startswith("Exported plan_plan.csv, but the plan still has 2 grids in pieces")
        assert _note_colours(driver)[0] == "sp-note-warn"
        driver.execute_script(API + "find('zz9')")
        assert _text(driver, "sp-note") == 'No unit or grid "zz9".' and _note_colours(driver)[0] == "sp-note-refused"


@pytest.mark.browser
def test_on_a_phone_the_note_in_the_current_grids_line_takes_its_kinds_colour(tmp_path):
    units = _plan().assign(locked=[False] * 5 + [True, False, False])
    with _page(units, tmp_path, screen="phone") as driver:
        _tap(driver, *_unit_at(driver, "b1"))
        driver.find_element("id", "sp-mode-merge").click()
        _tap(driver, *_unit_at(driver, "a0", None))  # C1-01 into C1-02, a3 stays: merged, with a warning
        cls, fg, bg = _note_colours(driver, "sp-now")
        assert "网格C1-01已并入C1-02（3个单元）。 1个单元已锁定，未调整：a3。" in _now(driver)
        assert cls == "sp-now-note sp-note-warn" and _contrast(fg, bg) >= 7
        driver.find_element("id", "sp-mode-paint").click()
        _tap(driver, *_unit_at(driver, "a3", None))  # locked: refused
        cls, fg, bg = _note_colours(driver, "sp-now")
        assert cls == "sp-now-note sp-note-refused" and _contrast(fg, bg) >= 7
        assert _in_sight(driver, "sp-now")


# -------------------------------------------------------------- 3: a tablet either way up


def _layout(driver) -> dict:
    return driver.execute_script("""
        var m = document.getElementById('sp-map').getBoundingClientRect(),
            p = document.querySelector('.sp-panel'), r = p.getBoundingClientRect();
        return {map_w: m.width, map_h: m.height, panel_top: r.top, panel_left: r.left,
                out: Array.prototype.filter.call(p.querySelectorAll('td, th, .sp-chip'), function (e) {
                    return e.getClientRects().length && e.getBoundingClientRect().right > r.right + 1; }).length,
                sideways: p.scrollWidth > p.clientWidth + 1};""")


def _flagged_plan() -> gpd.GeoDataFrame:
    """editor3's plan with b4 of community C2 and b3 of 900 households: C1-02 is over, holds a unit
    over the band alone and spans two communities (three chips)."""
    return _plan().assign(community_id=["C1"] * 7 + ["C2"], households=[100, 150, 120, 80, 90, 60, 900, 350],
                          population=[250] * 8)


@pytest.mark.browser
def test_on_a_tablet_held_upright_the_map_takes_the_width_and_the_panel_is_a_sheet_under_it(tmp_path):
    # before: at 768 x 1024 the 380 px side panel left a map 388 px wide beside it, and the current
    # grid's chips ran past the panel's right edge
    with _page(_flagged_plan(), tmp_path, screen=(768, 1024), lang="en") as driver:
        _tap(driver, *_unit_at(driver, "b3"))
        seen = _layout(driver)
        assert seen["map_w"] == 768 and seen["map_h"] >= 500 and seen["panel_left"] == 0
        assert seen["panel_top"] >= seen["map_h"] - 1 and seen["out"] == 0 and not seen["sideways"]
        # the current grid's line under the map, in sight; a tap's move shown there
        assert _now(driver).startswith("C1-02 1,450 households") and _in_sight(driver, "sp-now")
        driver.find_element("id", "sp-mode-paint").click()
        _tap(driver, *_unit_at(driver, "a3", None))
        assert _now(driver).startswith("C1-02 1,510 households") and _in_sight(driver, "sp-now")
        # a tablet has the room for the population column and the legend a phone folds
        assert "Population" in _text(driver, "sp-active")
        assert driver.execute_script("return document.querySelector('.sp-legend').open") is True


@pytest.mark.browser
def test_on_a_tablet_held_sideways_the_panel_stays_beside_the_map(tmp_path):
    with _page(_flagged_plan(), tmp_path, screen=(1024, 768), lang="en") as driver:
        _tap(driver, *_unit_at(driver, "b3"))
        seen = _layout(driver)
        assert seen["map_w"] >= 600 and seen["map_h"] == 768 and seen["panel_left"] >= 600
        assert seen["out"] == 0 and not seen["sideways"]
        assert "C1-02" in _text(driver, "sp-active")
        assert _in_sight(driver, "sp-active")


# ------------------------------------------- 4: a laptop's English current grid, id on one line


def _name_lines(driver, where: str) -> list:
    return driver.execute_script("""
        return Array.prototype.map.call(document.querySelectorAll(arguments[0] + ' tr[data-grid] td.sp-name'), function (td) {
            var r = document.createRange(); r.selectNodeContents(td);
            return [td.textContent, Math.round(r.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight))];
        });""", where)


@pytest.mark.browser
def test_on_a_laptop_the_english_current_grid_keeps_its_id_on_one_line_beside_its_chips(tmp_path):
    # before: at 1400 x 900 in English, C1-02 (over, one unit: 900, 2 communities) read "C1-" / "02"
    # in the current grid's row and in the flagged grids
    with _page(_flagged_plan(), tmp_path, lang="en") as driver:
        _click(driver, *_unit_at(driver, "b3"))
        assert _name_lines(driver, "#sp-active") == [["C1-02", 1]]
        assert _name_lines(driver, "#sp-flags") == [["C1-02", 1]]
        assert _layout(driver)["out"] == 0 and not _layout(driver)["sideways"]


@pytest.mark.browser
def test_a_grid_named_in_words_still_wraps_rather_than_push_the_chips_off_the_panel(tmp_path):
    name = "Lianhua north community grid number two"
    units = _flagged_plan().assign(grid_id=["C1-01"] * 2 + [name] * 2 + ["C1-01"] * 2 + [name] * 2)
    with _page(units, tmp_path, lang="en") as driver:
        driver.execute_script(API + "select(arguments[0])", name)
        assert _name_lines(driver, "#sp-active")[0][1] > 1 and _layout(driver)["out"] == 0


# ------------------------------------------------------------ 5: the leads said in words


@pytest.mark.browser
def test_the_english_current_grids_line_says_its_leads_in_words(tmp_path):
    # before: "6 bldg + 40 hh leads"
    units = _plan().assign(buildings=[1, 5, 4, 1, 0, 0, 6, 1], households=[4, 150, 120, 80, 90, 60, 200, 50])
    with _page(units, tmp_path, screen="phone", lang="en") as driver:
        driver.execute_script(API + "select('C1-02')")  # 12 buildings, 450 households
        assert "6 building leads, 45 household leads" in _now(driver)
        driver.execute_script(API + "move(['a1', 'a2', 'a3'], 'C1-02')")  # C1-01 = a0: 1 building, 4 households
        driver.execute_script(API + "select('C1-01')")
        assert "1 building lead, 1 household lead" in _now(driver)
        assert "bldg" not in _now(driver)


# ------------------------------------------------- 6: a blank 楼栋数 cell, refused alike in one line


def _blank_buildings(tmp_path):
    units = _plan().rename(columns={"buildings": "楼栋数"})
    units["楼栋数"] = units["楼栋数"].astype(float)
    units.loc[units["unit_id"].isin(["a2", "b4"]), "楼栋数"] = None
    units.to_file(tmp_path / "plan.gpkg")
    units.drop(columns="grid_id").to_file(tmp_path / "units.gpkg")
    _community().to_file(tmp_path / "communities.gpkg")
    return units


def _refusal(args) -> tuple[int, str]:
    from spatial.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["-q", *args])
    return code, err.getvalue()


def test_a_blank_buildings_cell_is_refused_alike_by_the_editor_and_spatial_grids_naming_the_units(tmp_path):
    # before: "'plan.gpkg' column '楼栋数' must be a number >= 0 in every row (finite, not empty); bad
    # rows: a2=nan, b4=nan. Fill in the count (0 for non-residential land)": nan, and the households'
    # advice. The buildings serve the 楼栋长 alone: what to write, or that the column may go
    _blank_buildings(tmp_path)
    said = ("column '楼栋数' is blank for units a2, b4: write their numbers of buildings (楼栋, 0 for a unit "
            "with no residential building), or leave the column out and a unit with households counts as one building")
    code, err = _refusal(["editor", str(tmp_path / "plan.gpkg"), "--out", str(tmp_path / "edit.html")])
    assert code == 2 and err.strip().splitlines() == [f"spatial editor: error: 'plan.gpkg' {said}"]
    assert not (tmp_path / "edit.html").exists()
    code, err = _refusal(["grids", str(tmp_path / "communities.gpkg"), str(tmp_path / "units.gpkg"), "--min", "100",
                          "--max", "500", "--out", str(tmp_path / "g.gpkg")])
    assert code == 2 and err.strip().splitlines() == [f"spatial grids: error: 'units.gpkg' {said}"]


def test_a_single_blank_buildings_cell_is_named_in_the_singular_in_python_too(tmp_path):
    from spatial import ColumnError
    from spatial.maps.editor import grid_editor

    units = _plan().assign(buildings=[3, 5, 4, 1, "", 2, 6, 1])
    with pytest.raises(ColumnError, match=r"^'units' column 'buildings' is blank for unit a2: write its number of "
                                          r"buildings \(楼栋, 0 for a unit"):
        grid_editor(units)
    # the column left out: the page opens, a unit with households one building, and says so
    page = grid_editor(_plan().drop(columns="buildings"))
    assert "单元没有楼栋数列" in page


# ------------------------------------------- redrawing for real: a click after a lasso


def _lasso(driver, x: float, y: float, r: float, *, finger: bool) -> None:
    """A loop of half-width ``r`` round a point, dragged with a finger or the mouse."""
    pts = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r), (x - r, y - r + 5)]
    if finger:
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart",
                                                            "touchPoints": [{"x": pts[0][0], "y": pts[0][1]}]})
        for px, py in pts[1:]:
            driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": px, "y": py}]})
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        from selenium.webdriver.common.actions.action_builder import ActionBuilder

        chain = ActionBuilder(driver)
        chain.pointer_action.move_to_location(int(pts[0][0]), int(pts[0][1])).pointer_down()
        for px, py in pts[1:]:
            chain.pointer_action.move_to_location(int(px), int(py))
        chain.pointer_action.pointer_up()
        chain.perform()
    time.sleep(0.6 if finger else 0.2)


@pytest.mark.browser
@pytest.mark.parametrize("screen", ["laptop", (768, 1024), "phone"])
def test_after_a_lasso_a_click_or_tap_still_moves_picks_and_merges_units(tmp_path, screen):
    # before: the lasso's dashed line was drawn on the map's default canvas, a second canvas laid over the
    # units' that took every later click: after one lasso (b1 into C1-01) a click on b3 in 点选调整 moved
    # nothing, a click in 选网格 picked nothing and a merge did not merge, on the demo's 1,866 units as here,
    # until the page was reloaded
    finger = screen != "laptop"

    def hit(x, y):
        (_tap if finger else _click)(driver, x, y)
        # (the first tap after a finger lasso is a click: the lasso's fling no longer takes it, editor5)
        assert not finger or driver.execute_script("return window.__tapped")

    def press(button):  # (a finger on a button too: a tap 20 ms after a mouse's click makes no click)
        r = driver.find_element("id", button).rect
        hit(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)

    with _page(_plan(), tmp_path, screen=screen) as driver:
        hit(*_unit_at(driver, "a1"))                          # pick C1-01
        press("sp-mode-lasso")
        _lasso(driver, *_unit_at(driver, "b1", None), 25, finger=finger)
        assert driver.execute_script(API + "gridOf('b1')") == "C1-01"
        press("sp-mode-paint")
        hit(*_unit_at(driver, "b3", None))
        assert driver.execute_script(API + "gridOf('b3')") == "C1-01"
        press("sp-mode-pick")
        hit(*_unit_at(driver, "b4", None))
        assert "C1-02" in (_now(driver) if finger else _text(driver, "sp-active"))
        press("sp-mode-merge")
        hit(*_unit_at(driver, "a0", None))                    # C1-01 (6 units) into C1-02
        assert driver.execute_script(API + "gridOf('a0')") == "C1-02"
        assert "网格C1-01已并入C1-02（6个单元）。" in _text(driver, "sp-note") + _now(driver)
