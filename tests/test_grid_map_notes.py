"""Specification: the grid map's popups say what the report says of a grid.

A planner opens ``grids.html``, not the report layer. A grid that no plan brings within the rule
(the estate of 342 households on a row of plots, ``test_grids_beyond_rule.row_town``) is drawn
like any other grid in the band: its popup now carries the report's row on it (why, and what to
do), in the map's language; grids with no row have no such line.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from spatial import grid_map, partition_grids, save_map
from spatial.cli import main
from spatial.maps._data import grid_notes
from test_grids_beyond_rule import row_town
from test_maps_browser import browser, click, open_map  # noqa: F401  (one headless Chromium, as the map tests open it)


def popups(path) -> dict:
    """``grid id -> popup properties`` of the grids layer of a saved map (read from its HTML)."""
    html = path.read_text(encoding="utf-8")
    out = {}
    for at in (m.end() - 1 for m in re.finditer(r'"p":\{', html)):
        props, _ = json.JSONDecoder().raw_decode(html, at)
        if "_label" in props and "note" in props:
            out.update(zip(props["_label"], props["note"]))
    return out


def test_each_grid_gets_its_own_rows_in_the_map_s_language():
    grids = pd.DataFrame({"grid_id": ["C1-01", "C1-02", "C1-03"]})
    notes = pd.DataFrame({"layer": ["grids", "units", "grids", "grids"], "row_id": ["C1-02", "C1-01", "C1-02", "C1-03"],
                          "problem": ["12% over", "no geometry", "far off", "out of the band"],
                          "action": ["accept it", "left out", "move units", "kept"],
                          "problem_zh": ["超出12%", "无几何", None, "超出户数范围"],
                          "action_zh": ["可接受", "未纳入", None, "保留"]})
    assert grid_notes(grids, notes, "en") == [None, "12% over. Accept it / far off. Move units", "out of the band. Kept"]
    # Chinese where the row has it, else the English (as the workbook shows it)
    assert grid_notes(grids, notes, "zh") == [None, "超出12%。可接受 / far off. Move units", "超出户数范围。保留"]
    assert grid_notes(grids, notes[notes["layer"] != "grids"], "en") is None
    assert grid_notes(grids.rename(columns={"grid_id": "code"}), notes, "en") is None
    assert grid_notes(grids, None, "en") is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_popup_of_a_grid_no_plan_brings_within_the_rule_says_why(tmp_path, lang):
    units, comm = row_town(False)
    plan = partition_grids(units, comm, n_grids=3)
    estate = plan.units.set_index("unit_id")["grid_id"]["U00"]
    path = save_map(grid_map(plan.grids, notes=plan.report, lang=lang), tmp_path / "grids.html")
    said = popups(path)
    assert set(said) == set(plan.grids["grid_id"])
    words = ("任何方案中包含", "342 户") if lang == "zh" else ("No plan puts a grid holding", "342 households")
    assert all(w in said[estate] for w in words)
    # the grid the estate pushes off (353) has its own row; the third (399) none
    light = plan.grids.set_index("grid_id")["households"].idxmin()
    assert light != estate and said[light] and words[0] not in said[light]
    assert [g for g, v in said.items() if v is None] == sorted(set(said) - {estate, light})
    # without the report, no such line
    plain = save_map(grid_map(plan.grids, lang=lang), tmp_path / "plain.html")
    assert popups(plain) == {}


def draw_row_town(tmp_path, *more: str):
    """``spatial grids --grids 3`` on the row town's files (and ``more`` options): its GeoPackage."""
    units, comm = row_town(False)
    units.to_file(tmp_path / "units.gpkg", layer="units")
    comm.to_file(tmp_path / "comm.gpkg", layer="communities")
    out = tmp_path / "plan.gpkg"
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--grids", "3",
                 "--out", str(out), *more]) == 0
    return out


def test_the_map_command_reads_the_report_layer_of_the_grids_file(tmp_path):
    out = draw_row_town(tmp_path)
    html = tmp_path / "grids.html"
    assert main(["-q", "map", "--grids", str(out), "--out", str(html), "--lang", "en"]) == 0
    said = [v for v in popups(html).values() if v]
    assert len(said) == 2 and sum("No plan puts a grid holding" in v for v in said) == 1


def test_the_grids_kmz_says_it_too_and_keeps_the_four_bounds(tmp_path):
    # the grid worker on a phone opens the KMZ in 奥维, not the map: the proof is in the placemark;
    # and `spatial grids --kml` described the grids as drawn, without the 四至 its GeoPackage has
    kmz = tmp_path / "grids.kmz"
    draw_row_town(tmp_path, "--kml", str(kmz))
    from spatial import read_layer

    back = read_layer(kmz).set_index("Name")["description"]
    plan = read_layer(tmp_path / "plan.gpkg", layer="grids").set_index("grid_id")
    assert sorted(back.index) == sorted(plan.index)
    for gid, desc in back.items():
        assert f"四至: {plan.loc[gid, 'four_bounds']}" in desc
    said = [d for d in back if "说明: " in d]
    assert len(said) == 2 and sum("任何方案中包含" in d for d in said) == 1


def test_the_note_is_a_row_of_its_own_under_its_label_in_the_browser(browser, tmp_path):
    # a sentence in the narrow value column of a phone's popup was a strip of four characters a line
    units, comm = row_town(False)
    plan = partition_grids(units, comm, n_grids=3)
    estate = plan.units.set_index("unit_id")["grid_id"]["U00"]
    path = save_map(grid_map(plan.grids, notes=plan.report, lang="zh"), tmp_path / "grids.html")
    map_id = open_map(browser, path, (390, 844))
    at = plan.grids.set_index("grid_id").loc[[estate]].to_crs(4326).geometry.iloc[0].representative_point()
    got = click(browser, map_id, at.y, at.x)
    assert got is not None and got["title"] == estate
    wide = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-popup tr.sp-wide')).map("
        "r => [r.querySelector('b').textContent, r.querySelector('div').textContent, r.cells.length])")
    assert len(wide) == 1 and wide[0][0] == "说明" and "任何方案中包含" in wide[0][1] and wide[0][2] == 1
    # the short values stay label | value
    assert browser.execute_script("return document.querySelectorAll('.leaflet-popup tr:not(.sp-wide) th').length") > 3


def test_the_grids_map_lists_each_community_s_grids(tmp_path):
    # a planner reads how many grids each community has, and how many are out of the band, without
    # counting polygons: the dock's table (and a page opened with scripts off shows it too)
    import geopandas as gpd
    import shapely

    grids = gpd.GeoDataFrame({"grid_id": ["C10-01", "C2-01", "C2-02", "C2-03"], "community_id": ["C10", "C2", "C2", "C2"],
                              "households": [510, 300, 401, 260]},
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:32650")
    comms = gpd.GeoDataFrame({"community_id": ["C2", "C10"], "name": ["香蜜社区", "<b>竹林</b>社区"]},
                             geometry=[shapely.box(1, 0, 4, 1), shapely.box(0, 0, 1, 1)], crs="EPSG:32650")
    html = save_map(grid_map(grids, communities=comms), tmp_path / "g.html").read_text(encoding="utf-8")
    table = html[html.index("各社区网格"):]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table.split("</table>")[0].replace("\\u003c", "<").replace('\\"', '"'))
    rows = [cells[i:i + 5] for i in range(0, 15, 5)]
    assert rows[0] == ["全部", "4", "1471", "368", "2"]                         # 510 over, 260 under
    assert rows[1][0].startswith("香蜜社区") and rows[1][1:] == ["3", "961", "320", "1"]  # C2 before C10
    assert rows[2][0].startswith("&lt;b&gt;竹林&lt;/b&gt;社区") and rows[2][1:] == ["1", "510", "510", "1"]


def test_the_grid_table_names_communities_whose_ids_one_layer_holds_as_floats():
    # fix-r2 left it: a communities shapefile with a blank id cell reads its ids as 101.0, 102.0;
    # the grids (integer ids 101, 102) found no name and the table showed the bare ids
    from spatial.maps._tables import grid_table

    communities = pd.DataFrame({"community_id": [101.0, 102.0, None], "name": ["竹林社区", "福田社区", "新区"]})
    grids = pd.DataFrame({"community_id": [102, 101, 101]})
    html = grid_table(grids, pd.Series([400.0, 380.0, 420.0]), ["in", "in", "in"], communities, "zh")
    cells = re.findall(r"<td[^>]*>([^<]*)", html)
    assert cells[5].strip() == "竹林社区" and cells[6:10] == ["2", "800", "400", "0"]
    assert "福田社区 " in cells and "101.0" not in html
