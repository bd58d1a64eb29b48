"""An outside planner's grid work end to end: grids drawn with a count, the report, the grid
editor's problem list, and the summary printed, on a town with a gated estate no plan can even out.

The town is a row of 100 m plots in one community: a gated estate of two plots of 171 households,
a lot with no homes, then plots of 103, 120, 113, 120 and 100, 100, 99, 100 (1,197 households,
three grids of 399; within 5%: 380-418 whole households). The estate's grid holds 342 alone or
445 and more with the lot and the 103: no plan puts it within 5% (the figures below are worked
out by hand from those numbers).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from test_editor_browser import _browser, _browsers_quit, _open  # noqa: F401  (_browsers_quit: quits them)

from spatial.cli import main
from spatial.maps.editor import save_grid_editor

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0
HH = [171, 171, 0, 103, 120, 113, 120, 100, 100, 99, 100]


def _town(gated: bool = True):
    hh = HH if gated else [342] + HH[2:]
    ids = [f"U{i:02d}" for i in range(len(hh))]
    estate = (["E", "E"] if gated else [None]) + [None] * (len(hh) - (2 if gated else 1))
    units = gpd.GeoDataFrame({"unit_id": ids, "households": hh, "gated": estate},
                             geometry=[shapely.box(X0 + 100 * i, Y0, X0 + 100 * i + 100, Y0 + 100)
                                       for i in range(len(hh))], crs=UTM)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(X0, Y0, X0 + 100 * len(hh), Y0 + 100)],
                            crs=UTM)
    return units, comm


def test_the_summary_tells_a_grid_no_plan_can_even_from_one_the_search_missed(tmp_path, capsys):
    # before: "1 of 3 within 5%, the others in the report with their largest units", though the
    # report proves of one of them that no plan brings it within 5% (and names its estate, not its
    # largest units)
    units, comm = _town()
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    town = str(tmp_path / "town.gpkg")
    code = main(["grids", f"{town}:communities", f"{town}:units", "--grids", "3", "--out", str(tmp_path / "g.gpkg")])
    out = capsys.readouterr().out
    assert code == 0
    assert ("1 of 3 within 5%, 1 that no plan can bring within it (the report names the unit or estate), "
            "1 other in the report with its largest units)") in out
    report = gpd.read_file(tmp_path / "g.gpkg", layer="report")
    proofs = report[report["action"].str.startswith("no plan puts a grid holding")]
    assert len(proofs) == 1 and "(U00, U01) hold 342 households" in proofs["problem"].iloc[0]


def _rule_on_page(page: Path):
    data = json.loads(re.search(r'id="sp-editor-data">(.*?)</script>', page.read_text(encoding="utf-8"), re.S).group(1))
    return data["rule"]


def test_the_editor_opened_on_grids_drawn_with_a_count_flags_the_grids_off_the_rule(tmp_path, capsys):
    # before: `spatial editor g.gpkg` on grids drawn with --grids 3 flagged no grid (问题网格 0),
    # while the summary line and the report named two grids 11.5% off the mean; the page knew no
    # rule unless --max-deviation was typed again
    units, comm = _town()
    town = tmp_path / "town.gpkg"
    units.to_file(town, layer="units")
    comm.to_file(town, layer="communities")
    layers = [f"{town}:communities", f"{town}:units"]
    assert main(["grids", *layers, "--grids", "3", "--out", str(tmp_path / "g.gpkg")]) == 0
    assert main(["editor", str(tmp_path / "g.gpkg"), "--out", str(tmp_path / "e.html")]) == 0
    assert "grids further than 5% from their community's mean grid flagged" in capsys.readouterr().out
    assert _rule_on_page(tmp_path / "e.html") == 5
    # a rule typed wins; grids drawn by the band (no rule) and a redraw without one record none
    assert main(["editor", str(tmp_path / "g.gpkg"), "--max-deviation", "8", "--out", str(tmp_path / "e8.html")]) == 0
    assert _rule_on_page(tmp_path / "e8.html") == 8
    assert main(["grids", *layers, "--out", str(tmp_path / "band.gpkg")]) == 0
    assert main(["grids", *layers, "--existing", str(tmp_path / "g.gpkg:units"), "--redraw",
                 "--out", str(tmp_path / "re.gpkg")]) == 0
    for drawn in ("band", "re"):
        assert main(["editor", str(tmp_path / f"{drawn}.gpkg"), "--out", str(tmp_path / f"{drawn}.html")]) == 0
        assert _rule_on_page(tmp_path / f"{drawn}.html") is None
    assert main(["grids", *layers, "--existing", str(tmp_path / "g.gpkg:units"), "--redraw", "--max-deviation", "5",
                 "--out", str(tmp_path / "re5.gpkg")]) == 0
    assert main(["editor", str(tmp_path / "re5.gpkg"), "--out", str(tmp_path / "re5.html")]) == 0
    assert _rule_on_page(tmp_path / "re5.html") == 5
    # the redraw of the handed-back plan proves the estate's grid again, naming its units
    report = gpd.read_file(tmp_path / "re5.gpkg", layer="report")
    estate = gpd.read_file(tmp_path / "re5.gpkg", layer="units").set_index("unit_id").loc["U00", "grid_id"]
    row = report[(report["layer"] == "grids") & (report["row_id"] == estate)]
    assert len(row) == 1 and "the 2 units kept together (U00, U01) hold 342 households" in row["problem"].iloc[0]
    assert row["action"].iloc[0].startswith("no plan puts a grid holding them within 5% of the mean")


def test_a_run_drawing_equal_grids_gives_its_editor_page_the_rule_its_report_keeps(tmp_path):
    # before: spatial run with balance "equal" wrote a workbook naming the grids off 5% (数据问题清单)
    # and a grid_editor.html flagging none of them (its rule: none)
    units, comm = _town()
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "town"\noutput = "out"\n[inputs]\n'
        'communities = { path = "town.gpkg", layer = "communities" }\nunits = { path = "town.gpkg", layer = "units" }\n'
        '[grids]\nbalance = "equal"\n[outputs]\nmaps = true\nworkbook = false\npng = false\n', encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml"), "-q"]) == 0
    assert _rule_on_page(tmp_path / "out" / "grid_editor.html") == 5
    assert main(["editor", str(tmp_path / "out" / "results.gpkg"), "-q", "--out", str(tmp_path / "e.html")]) == 0
    assert _rule_on_page(tmp_path / "e.html") == 5


def _plan(gated: bool) -> gpd.GeoDataFrame:
    """The plan drawn by hand: the estate, the lot and the 103 (445, +11.5%); 120, 113, 120 (353,
    -11.5%); the last four (399)."""
    units, _ = _town(gated)
    n = len(units)
    units["grid_id"] = ["C1-01"] * (n - 7) + ["C1-02"] * 3 + ["C1-03"] * 4
    units["community_id"] = "C1"
    return units


@pytest.mark.parametrize("gated", [True, False])
def test_the_editors_problem_list_names_the_estate_no_plan_can_even_in_chinese(tmp_path, gated):
    # before: both grids off the rule were flagged "偏离均值" alike, with no word that one of them
    # cannot be evened out by any move the planner tries, nor which units force it
    page = save_grid_editor(_plan(gated), tmp_path / "editor.html", lang="zh", max_deviation_pct=5)
    driver = _browser(tmp_path, 390, 844)
    _open(driver, page)
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('#sp-flags tr[data-grid]')).map(function (r) {"
        "  var w = r.querySelector('.sp-why');"
        "  return [r.querySelector('.sp-name').innerText, w ? w.innerText : null, w ? w.title : null]; })")
    got = {name.strip(): (chip, title) for name, chip, title in rows}
    assert set(got) == {"C1-01", "C1-02"}
    assert got["C1-02"] == (None, None)  # off the rule, but no proof that no plan can do better
    chip, title = got["C1-01"]
    what = "须保持在一起的2个单元（U00、U01）" if gated else "单元U00"
    assert chip == ("小区342户无法均衡" if gated else "单元342户无法均衡")
    assert title.startswith(f"{what}共342户：单独或加上所有可并入的较小单元都不足均值±5%所需的380户，"
                            "加上任何一个超过76户的相邻单元又超过418户。")
    assert "任何方案中包含它的网格都无法与平均户数相差不超过5%" in title
    # the summary line first seen on a phone counts it apart
    summary = driver.execute_script("return document.getElementById('sp-summary').innerText")
    assert summary.endswith("，2个与社区网格平均户数相差超过±5%（其中1个无论怎样调整都无法达到）")


def test_the_editor_says_nothing_of_an_estate_a_looser_rule_lets_be_evened(tmp_path):
    # within 12% (352-446) the estate's grid may take the lot and the 103 (445): no proof to give,
    # though the plan drawn by hand leaves it alone (342, -14.3%) and the next grid at 456 (+14.3%)
    units = _plan(True)
    units["grid_id"] = ["C1-01"] * 3 + ["C1-02"] * 4 + ["C1-03"] * 4
    page = save_grid_editor(units, tmp_path / "editor.html", lang="en", max_deviation_pct=12)
    driver = _browser(tmp_path, 390, 844)
    _open(driver, page)
    rows = _flag_rows(driver, "innerText")
    assert sorted((name.strip(), chip) for name, chip in rows) == [("C1-01", None), ("C1-02", None)]
    assert driver.execute_script("return document.getElementById('sp-summary').innerText").endswith(
        ", 2 more than ±12% from their community's mean grid")



def _flag_rows(driver, attr: str) -> list:
    """The editor's problem list: each row's grid and its chip's ``attr`` (innerText or title; None: no chip)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#sp-flags tr[data-grid]')).map(function (r) {"
        f"  var w = r.querySelector('.sp-why'); return [r.querySelector('.sp-name').innerText, w && w.{attr}]; }})")


def test_on_north_carolinas_counties_the_editor_chips_the_grids_the_report_proves(tmp_path):
    # libpysal's counties, births of 1974 as households, 40 equal grids (mean 8,249; within 5%:
    # 7,837-8,661): Mecklenburg (21,588), Cumberland, Wake, Onslow, Gaston (9,014) ... alone over
    # 8,661, and Wayne (6,638), whose every neighbour is over 2,023, are proved in the report; the
    # page, which works the proof out again in the browser, chips those grids and no others
    from test_grids_polygons import _nc_counties

    from spatial.grids.partition import partition_grids

    units = _nc_counties()
    comm = gpd.GeoDataFrame({"community_id": ["NC"]}, geometry=[shapely.union_all(units.geometry.values)],
                            crs=units.crs)
    res = partition_grids(units, comm, n_grids=40, min_households=0, max_households=1e9, restarts=0)
    rows = res.report[(res.report["layer"] == "grids") & res.report["action"].str.startswith("no plan puts")]
    proved = dict(zip(rows["row_id"], rows["problem"]))
    grid_of = res.units.set_index("unit_id")["grid_id"]
    assert {grid_of[n] for n in ("Mecklenburg", "Cumberland", "Wake", "Onslow", "Gaston", "Wayne")} <= set(proved)
    assert "unit Wayne holds 6638 households: fewer than the 7837" in proved[grid_of["Wayne"]]
    page = save_grid_editor(res.units, tmp_path / "nc.html", lang="en", max_deviation_pct=5,
                            min_households=0, max_households=1e9)
    driver = _browser(tmp_path, 1400, 900)
    _open(driver, page)
    rows = _flag_rows(driver, "title")
    chipped = {name.strip(): title for name, title in rows if title}
    assert set(chipped) == set(proved)
    assert chipped[grid_of["Wayne"]].startswith("Unit Wayne holds 6,638 households: fewer than the 7,837 within 5% "
                                                "of the mean needs")
