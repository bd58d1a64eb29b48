"""The grid editor's Python side: reading a plan back (``spatial.read_plan``), the data the page
embeds, and the command line (``spatial editor``, ``spatial grids ... --existing PLAN --evaluate``).

Units are a small uneven block of boxes in UTM 50N; expected totals are counted by hand.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

import spatial
from spatial.cli import main
from spatial.maps._offline import remote_references
from spatial.maps.editor import editor_payload, grid_editor

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    """A 4 x 2 block of 100 m boxes (u0..u7, row-major from the south-west), two grids of 2 x 2."""
    geoms, ids = [], []
    for r in range(2):
        for c in range(4):
            geoms.append(box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1)))
            ids.append(f"u{4 * r + c}")
    return gpd.GeoDataFrame({
        "unit_id": ids,
        "households": [120, 80, 200, 50, 90, 160, 70, 30],
        "population": [300, 210, 500, 120, 230, 400, 180, 75],
        "grid_id": ["A", "A", "B", "B", "A", "A", "B", "B"],
        "gated": [None, None, "estate-1", "estate-1", None, None, None, None],
        "locked": [False, False, False, False, False, False, False, True],
    }, geometry=geoms, crs=UTM)


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)


def _write(path, text: str, encoding: str = "utf-8-sig"):
    path.write_text(text, encoding=encoding)
    return path


# ----------------------------------------------------------------------------- read_plan
def test_read_plan_matches_the_units_order_and_ids(tmp_path, units):
    rows = "\n".join(f"{u},{g}" for u, g in zip(units["unit_id"][::-1], "BBAABBAA"))
    path = _write(tmp_path / "plan.csv", "unit_id,grid_id\n" + rows + "\n")
    plan = spatial.read_plan(path, units)
    assert plan.index.equals(units.index)  # the units' own rows (units["grid_id"] = plan lines up)
    assert plan.tolist() == list("AABBAABB")  # the reversed file, read back in the units' order
    assert plan.name == "grid_id"


def test_read_plan_without_units_keeps_the_file(tmp_path):
    path = _write(tmp_path / "plan.csv", "grid_id,unit_id\n网格1,7\n,8\n", encoding="gb18030")
    plan = spatial.read_plan(path)
    assert plan.to_dict() == {"7": "网格1", "8": None}  # any encoding; an empty grid is None


def test_read_plan_matches_numeric_ids_and_undoes_excel_escapes(tmp_path):
    units = pd.DataFrame({"unit_id": [1, 2, 3]})
    path = _write(tmp_path / "plan.csv", "unit_id,grid_id\n1,'=G1\n2,'-G2\n3,G'3\n")
    plan = spatial.read_plan(path, units)
    assert plan.index.tolist() == [0, 1, 2] and plan.tolist() == ["=G1", "-G2", "G'3"]


def test_read_plan_gives_back_the_leading_zeros_excel_drops_and_says_so(tmp_path, caplog):
    # a planner opens the editor's CSV in Excel, moves a unit, saves: 00123 comes back as 123
    units = pd.DataFrame({"unit_id": ["00123", "00124", "0100", "7"]})
    path = _write(tmp_path / "plan.csv", "unit_id,grid_id\n123,A\n124,A\n100,B\n7,B\n")
    with caplog.at_level("WARNING", logger="spatial.grids.plan"):
        plan = spatial.read_plan(path, units)
    assert dict(zip(units["unit_id"], plan)) == {"00123": "A", "00124": "A", "0100": "B", "7": "B"}
    assert "3 unit ids had lost their leading zeros" in caplog.text and "'123' for '00123'" in caplog.text
    # not one to one (0100 and 00100 both read 100): refused, naming them, as before
    units = pd.DataFrame({"unit_id": ["0100", "00100"]})
    path = _write(tmp_path / "plan2.csv", "unit_id,grid_id\n100,A\n1000,B\n")
    with pytest.raises(spatial.ColumnError, match=r"not among the units \(100, 1000\)"):
        spatial.read_plan(path, units)


def test_read_plan_says_when_excel_wrote_long_ids_in_scientific_notation(tmp_path):
    units = pd.DataFrame({"unit_id": ["440304001001", "440304001002"]})
    path = _write(tmp_path / "plan.csv", "unit_id,grid_id\n4.40304E+11,A\n4.40304E+11 ,B\n")
    # refused as the file is read, at its first such line (before both read alike as one unit)
    with pytest.raises(spatial.ColumnError, match=r"column 'unit_id', line 2: .*scientific notation.*digits are lost"):
        spatial.read_plan(path, units)
    path = _write(tmp_path / "plan.csv", "unit_id,grid_id\n4.40304E+11,A\n440304001002,B\n")
    with pytest.raises(spatial.ColumnError, match=r"scientific notation \(4\.40304E\+11\).*Export.*as text") as info:
        spatial.read_plan(path, units)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("rows, error, names", [
    ("u0,A\nu1,A\nu2,B\nu3,B\nu4,A\nu5,A\nu6,B\nu7,B\nu9,B\nx1,A\n", spatial.ColumnError,
     "2 unit ids that are not among the units: u9, x1"),
    ("u0,A\nu1,A\nu2,B\nu3,B\nu4,A\nu5,A\nu6,B\nu7,B\nu3,A\nu5,B\n", spatial.DuplicateIdError,
     "more than once: u3, u5"),
    ("u0,A\nu1,A\nu2,B\nu4,A\nu5,A\nu6,B\n", spatial.ColumnError, "leaves out 2 units: u3, u7"),
    ("u0,A\nu1,A\nu2,B\nu4,A\nu5,A\nu6,B\nu3,B\nz,B\n", spatial.ColumnError,
     r"not among the units \(z\) and leaves out 1 unit \(u7\)"),
    (",A\nu1,A\n", spatial.ColumnError, r"no unit_id \(lines 2\)"),
])
def test_bad_plans_get_one_line_naming_the_ids(tmp_path, units, rows, error, names):
    path = _write(tmp_path / "plan.csv", "unit_id,grid_id\n" + rows)
    with pytest.raises(error, match=names) as info:
        spatial.read_plan(path, units)
    assert "\n" not in str(info.value) and "plan.csv" in str(info.value)


def test_read_plan_refuses_a_table_without_the_columns(tmp_path, units):
    path = _write(tmp_path / "plan.csv", "编号,网格名\nu0,A\n")  # 编号 is read as the unit id, 网格名 as nothing
    with pytest.raises(spatial.ColumnError, match="no column 'grid_id'; it has: 编号, 网格名"):
        spatial.read_plan(path, units)
    path = _write(tmp_path / "plan.csv", "单元编号,网格号\nu0,A\n")  # the workbook's own headers
    assert spatial.read_plan(path, units.head(1)).tolist() == ["A"]


def test_read_plan_reads_the_units_layer_of_a_geopackage(tmp_path, units, communities):
    path = tmp_path / "plan.gpkg"
    spatial.write_layers({"communities": communities, "units": units}, path)
    assert spatial.read_plan(path, units).tolist() == units["grid_id"].tolist()


# ----------------------------------------------------------------------------- the page's data
def test_payload_holds_the_rook_adjacency_groups_and_locks(units):
    data = editor_payload(units)
    ptr, idx = data["adj"]["ptr"], data["adj"]["idx"]
    nbrs = {units["unit_id"][u]: sorted(units["unit_id"][v] for v in idx[ptr[u]:ptr[u + 1]]) for u in range(8)}
    assert nbrs["u0"] == ["u1", "u4"]                     # corners (u5) do not count
    assert nbrs["u5"] == ["u1", "u4", "u6"]
    assert data["grids"]["id"] == ["A", "B"]
    assert [data["grids"]["id"][g] for g in data["units"]["grid"]] == units["grid_id"].tolist()
    group = data["units"]["group"]
    assert group[2] == group[3] >= 0 and group[0] == group[1] == -1
    assert data["units"]["locked"] == [0, 0, 0, 0, 0, 0, 0, 1]
    assert data["units"]["hh"] == units["households"].tolist()
    # neighbouring grids never share a colour, and every shared border is embedded once per pair
    assert data["grids"]["color"][0] != data["grids"]["color"][1]
    assert len(data["borders"]["i"]) == len(idx) // 2 == 10


def test_locks_typed_in_a_sheet_read_as_meant(units):
    # a plan edited in Excel: 是/否 and blanks, not booleans ("否" once read as locked)
    units["locked"] = ["否", "", None, "0", "false", "no", "是", "1"]
    assert editor_payload(units)["units"]["locked"] == [0, 0, 0, 0, 0, 0, 1, 1]


def test_payload_decodes_back_to_the_unit_corners(units):
    data = editor_payload(units)
    x, y = data["x0"], data["y0"]
    ring = np.cumsum(np.array(data["units"]["geom"][5][0][0]).reshape(-1, 2), axis=0) + [x, y]
    got = gpd.GeoSeries([Point(*p) for p in ring / data["scale"]], crs=4326).to_crs(UTM)
    want = units.geometry[5]
    assert max(Point(p).distance(want.boundary) for p in zip(got.x, got.y)) < 0.15  # 1e-6 degree


def test_editor_refuses_points_and_repeated_ids(units):
    with pytest.raises(spatial.GeometryError, match="must be polygons"):
        grid_editor(units.set_geometry(units.centroid))
    with pytest.raises(spatial.DuplicateIdError, match="repeats u1"):
        grid_editor(units.assign(unit_id=["u0", "u1", "u1", "u3", "u4", "u5", "u6", "u7"]))
    with pytest.raises(spatial.GeometryError, match="empty"):
        grid_editor(units.iloc[:0])
    with pytest.raises(spatial.CRSError):
        grid_editor(units.set_crs(None, allow_override=True))


def test_building_points_are_edited_as_the_cells_the_grids_were_drawn_from(units, communities, tmp_path):
    """Units given as points (one per building) are drawn by the partition as their Voronoi cells
    in their community; with the communities the editor shows those cells (a project run on
    points once stopped at the editor: "'units' must be polygons to edit")."""
    from spatial.core.checks import Report
    from spatial.grids._prep import prepare

    points = units.set_geometry(units.centroid)
    data = editor_payload(points, communities)
    assert data["units"]["id"] == units["unit_id"].tolist()
    # the cells are the partition's: the 100 m boxes round the box centres
    prep = prepare(points.drop(columns="grid_id"), communities, Report())
    assert all(c.equals_exact(b, 1e-6) or c.symmetric_difference(b).area < 1e-6
               for c, b in zip(prep.pieces, units.geometry))
    res = spatial.partition_grids(points.drop(columns="grid_id"), communities)
    out = tmp_path / "points.gpkg"
    res.units.to_file(out, layer="units")
    communities.to_file(out, layer="communities")
    assert main(["editor", f"{out}:units", "--communities", f"{out}:communities",
                 "--out", str(tmp_path / "e.html"), "-q"]) == 0


def test_page_is_self_contained_and_bilingual(units, communities):
    zh = grid_editor(units, communities, title="<b>福田</b>")
    en = grid_editor(units, communities, lang="en")
    assert remote_references(zh) == [] and remote_references(en) == []
    assert "套索圈选" in zh and "导出方案 CSV" in zh and 'lang="zh-CN"' in zh
    assert "Lasso" in en and "Export plan CSV" in en and "套索" not in en
    assert "&lt;b&gt;福田&lt;/b&gt;" in zh and "<b>福田" not in zh
    data = json.loads(re.search(r'id="sp-editor-data">(.*?)</script>', zh, re.S).group(1))
    assert data["band"] == [300.0, 500.0] and len(data["units"]["id"]) == 8


# ----------------------------------------------------------------------------- command line
def test_cli_writes_the_editor_from_a_grids_output(tmp_path, units, communities, capsys):
    gpkg = tmp_path / "grids.gpkg"
    spatial.write_layers({"communities": communities, "units": units}, gpkg)
    out = tmp_path / "edit.html"
    assert main(["editor", str(gpkg), "--out", str(out), "--lang", "en", "--min", "100", "--max", "400"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Grid editor" in page and '"band":[100.0,400.0]' in page and '"communities":{' in page
    assert "8 units in 2 grids" in capsys.readouterr().out


def test_cli_editor_loads_neither_folium_nor_scipy_spatial(tmp_path, units, communities):
    """The page is written by hand: making it loads none of folium, branca, jinja2 (0.25-0.4 s of
    the editor's start-up), nor scipy.spatial (the KD-tree only the roads' shares need)."""
    from test_architecture import _loaded_after

    gpkg, out = tmp_path / "grids.gpkg", tmp_path / "edit.html"
    spatial.write_layers({"communities": communities, "units": units}, gpkg)
    code = f"from spatial.cli import main\nassert main(['-q', 'editor', {str(gpkg)!r}, '--out', {str(out)!r}]) == 0"
    assert _loaded_after(code, ("folium", "branca", "jinja2", "scipy.spatial")) == []
    assert "Grid editor" in out.read_text(encoding="utf-8") or "网格" in out.read_text(encoding="utf-8")


def test_cli_editor_takes_a_rule_near_the_mean(tmp_path, units, capsys):
    gpkg = tmp_path / "grids.gpkg"
    spatial.write_layers({"units": units.assign(community_id=["C1"] * 4 + ["C2"] * 4)}, gpkg)
    out = tmp_path / "edit.html"
    assert main(["editor", str(gpkg), "--out", str(out), "--max-deviation", "10"]) == 0
    page = out.read_text(encoding="utf-8")
    assert '"rule":10.0' in page and '"comm":[0,0,0,0,1,1,1,1]' in page and "±10%" in page
    capsys.readouterr()
    assert main(["editor", str(gpkg), "--out", str(tmp_path / "bad.html"), "--max-deviation", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--max-deviation must be a percentage from 1 to 100" in err
    assert not (tmp_path / "bad.html").exists()


def test_cli_editor_takes_a_csv_plan_with_units(tmp_path, units):
    gpkg = tmp_path / "units.gpkg"
    spatial.write_layers({"units": units.drop(columns="grid_id")}, gpkg)
    plan = _write(tmp_path / "plan.csv", "unit_id,grid_id\n" + "".join(f"u{i},G{i % 2}\n" for i in range(8)))
    out = tmp_path / "edit.html"
    assert main(["-q", "editor", str(plan), "--units", str(gpkg), "--out", str(out)]) == 0
    assert '"id":["G0","G1"]' in out.read_text(encoding="utf-8")
    assert main(["-q", "editor", str(plan), "--out", str(out)]) == 2  # a table needs --units


def _layers(tmp_path, units, communities):
    c, u = tmp_path / "communities.gpkg", tmp_path / "units.gpkg"
    spatial.write_layers({"communities": communities}, c)
    spatial.write_layers({"units": units.drop(columns="grid_id")}, u)
    return str(c), str(u)


def test_cli_evaluates_an_edited_plan_and_flags_a_split_grid(tmp_path, units, communities, capsys):
    c, u = _layers(tmp_path, units, communities)
    # A = u0,u1,u2 (contiguous); B = u3, u7 and u4 (u4 touches neither: B is in two pieces); C = u5,u6
    plan = _write(tmp_path / "edited.csv", "unit_id,grid_id\nu0,A\nu1,A\nu2,A\nu3,B\nu7,B\nu4,B\nu5,C\nu6,C\n")
    out = tmp_path / "scores.gpkg"
    assert main(["grids", c, u, "--existing", str(plan), "--evaluate", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"n_not_contiguous: 1\b", printed)
    scores = gpd.read_file(out, layer="grid_scores").set_index("grid_id")
    assert scores["households"].to_dict() == {"A": 400, "B": 170, "C": 230}
    assert scores["components"].to_dict() == {"A": 1, "B": 2, "C": 1}
    assert scores.loc["B", "band_status"] == "under"


def test_cli_evaluate_refuses_a_bad_plan_in_one_line_and_a_redraw_takes_it(tmp_path, units, communities, capsys):
    c, u = _layers(tmp_path, units, communities)
    plan = _write(tmp_path / "bad.csv", "unit_id,grid_id\nu0,A\nu1,A\nu2,B\nu3,B\nu4,A\nu5,A\nu6,B\nu99,B\n")
    assert main(["grids", c, u, "--existing", str(plan), "--evaluate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "u99" in err and "u7" in err, err
    # a redraw takes units removed (u99: reported) and added (u7: placed) since the plan
    assert main(["grids", c, u, "--existing", str(plan), "--redraw", "--out", str(tmp_path / "r.gpkg"), "-q"]) == 0
    report = gpd.read_file(tmp_path / "r.gpkg", layer="report")
    assert report.loc[report["layer"] == "plan", "row_id"].tolist() == ["u99"]


def test_cli_redraws_an_edited_plan_into_band(tmp_path, units, communities, capsys):
    c, u = _layers(tmp_path, units, communities)
    # A = u0,u1,u4,u5,u6 holds 520 (over 500), B = u2,u3,u7 holds 280 (under 300): one move (u6, 70) fixes both
    plan = _write(tmp_path / "edited.csv", "unit_id,grid_id\nu0,A\nu1,A\nu4,A\nu5,A\nu6,A\nu2,B\nu3,B\nu7,B\n")
    out = tmp_path / "redrawn.gpkg"
    assert main(["grids", c, u, "--existing", str(plan), "--redraw", "--out", str(out)]) == 0
    assert "moved 1 of 8 units" in capsys.readouterr().out
    grids = gpd.read_file(out, layer="grids").set_index("grid_id")
    assert grids["households"].to_dict() == {"A": 450, "B": 350}
    moves = gpd.read_file(out, layer="moves")
    assert moves[["unit_id", "old_grid", "new_grid"]].values.tolist() == [["u6", "A", "B"]]


def test_cli_draws_streets_and_credits_them(tmp_path, units):
    gpkg, roads = tmp_path / "grids.gpkg", tmp_path / "roads.gpkg"
    spatial.write_layers({"units": units}, gpkg)
    lines = [LineString([(X0, Y0 + 100), (X0 + 400, Y0 + 100)]), LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 200)])]
    spatial.write_layers({"roads": gpd.GeoDataFrame({"name": ["深南大道", "农园路"]}, geometry=lines, crs=UTM)}, roads)
    out = tmp_path / "edit.html"
    assert main(["-q", "editor", str(gpkg), "--roads", str(roads), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="sp-editor-data">(.*?)</script>', page, re.S).group(1))
    assert len(data["roads"]) == 2 and data["attribution"] == "© OpenStreetMap contributors"
    assert main(["-q", "editor", str(gpkg), "--roads", str(roads), "--credit", "住户：XX区 <2025>", "--out", str(out)]) == 0
    data = json.loads(re.search(r'id="sp-editor-data">(.*?)</script>', out.read_text(encoding="utf-8"), re.S).group(1))
    assert data["attribution"] == "© OpenStreetMap contributors | 住户：XX区 &lt;2025&gt;"


def test_units_across_street_gaps_are_neighbours_measured_once_and_no_street_lines_drawn(monkeypatch):
    """A 3 x 2 street grid of 80 m blocks 10 m apart: blocks facing each other across a street are
    neighbours, blocks across a crossing (corners) are not. The page needs only who neighbours
    whom: the grown units' shared edges are measured once (the street rule's pairs; before, once
    there and again for the page) and no street lines are unioned (before: all of them, unused)."""
    import spatial.grids._adjacency as adjacency
    import spatial.grids._blocks as blocks
    import spatial.grids.evaluate as evaluate
    import spatial.maps.editor as editor

    geoms = [box(X0 + 90 * c, Y0 + 90 * r, X0 + 90 * c + 80, Y0 + 90 * r + 80) for r in range(2) for c in range(3)]
    units = gpd.GeoDataFrame({"unit_id": [f"b{k}" for k in range(6)], "households": [100] * 6,
                              "grid_id": ["A", "A", "B", "A", "B", "B"], "community_id": "C1"},
                             geometry=geoms, crs=UTM)
    town = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 260, Y0 + 170)], crs=UTM)
    calls = {"shared_edges": 0}
    measured = adjacency.shared_edges

    def counted(*args, **kwargs):
        calls["shared_edges"] += 1
        return measured(*args, **kwargs)

    for module in (adjacency, blocks, editor):
        monkeypatch.setattr(module, "shared_edges", counted, raising=False)
    drawn = []
    streets = evaluate.block_streets

    def block_streets(*args, **kwargs):
        drawn.append(streets(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(evaluate, "block_streets", block_streets)
    data = editor_payload(units, town)
    ptr, idx = data["adj"]["ptr"], data["adj"]["idx"]
    pairs = {(u, v) for u in range(6) for v in idx[ptr[u]:ptr[u + 1]] if u < v}
    assert pairs == {(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)}
    assert calls["shared_edges"] == 1
    assert len(drawn) == 1 and drawn[0].lines is None and drawn[0].n_blocks == 6
