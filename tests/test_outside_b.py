"""Columns under the names real offices give them, in every command an outside tester tried:
units whose ids are 编号 in a redraw, an evaluation and the editor; a 网格边界 shapefile whose
grid ids are 网格编码; communities numbered 社区编号 when units are built from buildings; and
departmental layers (多网合一) that each name their grid ids their own way."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _cell(i: int, j: int, size: float = 100.0):
    return box(X0 + size * i, Y0 + size * j, X0 + size * (i + 1), Y0 + size * (j + 1))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """One community (社区编号 C1) of 4 x 2 units of 100 households (编号 U0-U7, 户数), two old grids
    (网格编码 G1 on the west half, G2 on the east) as a shapefile, and the same plan as a CSV."""
    d = tmp_path_factory.mktemp("outside_b")
    p = {"communities": d / "社区.gpkg", "units": d / "住户单元.gpkg", "outlines": d / "网格边界.shp",
         "plan": d / "plan.csv", "grids_units": d / "grids.gpkg"}
    gpd.GeoDataFrame({"社区编号": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(
        p["communities"])
    cells = [(i, j) for i in range(4) for j in range(2)]
    units = gpd.GeoDataFrame({"编号": [f"U{k}" for k in range(8)], "户数": [100] * 8},
                             geometry=[_cell(i, j) for i, j in cells], crs=UTM)
    units.to_file(p["units"])
    west = [f"U{k}" for k, (i, _) in enumerate(cells) if i < 2]
    gpd.GeoDataFrame({"网格编码": ["G1", "G2"], "户数": [400, 400]},
                     geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)],
                     crs=UTM).to_file(p["outlines"], encoding="gbk")  # as offices write them
    plan = pd.DataFrame({"编号": units["编号"], "网格编号": ["G1" if u in west else "G2" for u in units["编号"]]})
    plan.to_csv(p["plan"], index=False, encoding="utf-8-sig")
    units.assign(grid_id=plan["网格编号"]).to_file(p["grids_units"], layer="units")
    return p


WEST = {"U0", "U1", "U2", "U3"}


# ------------------------------------------------------------------ 5: units' ids under 编号


@pytest.mark.parametrize("option", [[], ["--unit-id-col", "编号"]])
def test_redraw_of_outlines_matches_units_whose_ids_are_bianhao(files, tmp_path, option):
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["outlines"]),
                 "--redraw", "--out", str(out), "-q", *option]) == 0
    units = gpd.read_file(out, layer="units")
    assert {u for u, g in zip(units["编号"], units["grid_id"]) if g == "G1"} == WEST  # the old grids' ids kept
    assert len(gpd.read_file(out, layer="moves")) == 0  # both old grids hold 400 households: in the band


def test_redraw_of_a_csv_plan_matches_units_whose_ids_are_bianhao(files, tmp_path):
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--redraw", "--unit-id-col", "编号", "--out", str(out), "-q"]) == 0
    assert len(gpd.read_file(out, layer="moves")) == 0


def test_evaluate_of_a_csv_plan_matches_units_whose_ids_are_bianhao(files, tmp_path):
    out = tmp_path / "e.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--evaluate", "--unit-id-col", "编号", "--out", str(out), "-q"]) == 0
    scores = gpd.read_file(out, layer="grid_scores")
    assert dict(zip(scores["grid_id"], scores["households"])) == {"G1": 400, "G2": 400}


def test_evaluate_of_outlines_against_units_whose_ids_are_bianhao(files, tmp_path):
    out = tmp_path / "e.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["outlines"]),
                 "--evaluate", "--out", str(out), "-q"]) == 0
    scores = gpd.read_file(out, layer="grid_scores")
    assert dict(zip(scores["grid_id"], scores["households"])) == {"G1": 400, "G2": 400}


def test_redraw_of_the_units_own_grid_column_never_takes_their_ids_as_grids(files, tmp_path, capsys):
    assert main(["grids", str(files["communities"]), str(files["units"]), "--redraw",
                 "--out", str(tmp_path / "r.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "no grid id column" in err and "--existing PLAN" in err and len(err.splitlines()) == 1


# ------------------------------------------------------------------ 9: grid ids under 网格编码


def test_evaluate_finds_the_grid_ids_of_a_wangge_bianjie_shapefile(files, tmp_path, capsys):
    out = tmp_path / "s.gpkg"
    assert main(["grids", "--evaluate", str(files["outlines"]), str(files["communities"]), "--out", str(out)]) == 0
    assert "plan: using column 网格编码 as grid_id" in capsys.readouterr().out
    assert sorted(gpd.read_file(out, layer="grid_scores")["grid_id"]) == ["G1", "G2"]


def test_grid_id_col_names_the_plan_column_for_evaluate_and_redraw(files, tmp_path, capsys):
    odd = tmp_path / "odd.gpkg"
    gpd.read_file(files["outlines"]).rename(columns={"网格编码": "GRIDNO"}).to_file(odd)
    out = tmp_path / "s.gpkg"
    assert main(["grids", "--evaluate", str(odd), "--grid-id-col", "GRIDNO", "--out", str(out), "-q"]) == 0
    assert sorted(gpd.read_file(out, layer="grid_scores")["grid_id"]) == ["G1", "G2"]
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(odd), "--redraw",
                 "--grid-id-col", "GRIDNO", "--out", str(out), "-q"]) == 0
    units = gpd.read_file(out, layer="units")
    assert {u for u, g in zip(units["编号"], units["grid_id"]) if g == "G1"} == WEST
    assert main(["grids", "--evaluate", str(odd), "--grid-id-col", "网格", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "'网格'" in err and "--grid-id-col" in err and "GRIDNO" in err


# ------------------------------------------------------------------ 6: the editor


@pytest.mark.parametrize("option", [[], ["--unit-id-col", "编号"]])
def test_editor_reads_units_with_bianhao_and_hushu(files, tmp_path, capsys, option):
    out = tmp_path / "edit.html"
    assert main(["editor", f"{files['grids_units']}:units", "--out", str(out), *option]) == 0
    printed = capsys.readouterr().out
    assert "using column 户数 as households" in printed and "8 units in 2 grids" in printed
    assert "U7" in out.read_text(encoding="utf-8")


def test_editor_reads_a_csv_plan_of_units_with_bianhao_and_a_unit_left_out(files, tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    table = pd.read_csv(files["plan"], dtype=str)
    table.loc[7, "网格编号"] = ""  # U7 is in no grid: drawn grey, to be moved into one
    table.to_csv(plan, index=False, encoding="utf-8-sig")
    out = tmp_path / "edit.html"
    assert main(["editor", str(plan), "--units", str(files["units"]), "--out", str(out)]) == 0
    assert "8 units in 2 grids" in capsys.readouterr().out


def test_editor_says_which_column_is_missing_and_how_to_name_it(files, tmp_path, capsys):
    assert main(["editor", str(files["units"]), "--out", str(tmp_path / "e.html")]) == 2
    err = capsys.readouterr().err
    assert "no grid id column" in err and "--grid-id-col" in err and len(err.splitlines()) == 1


# ------------------------------------------------------------------ 7: units from buildings


@pytest.mark.parametrize("name, option", [("社区编号", []), ("SQ", ["--community-id-col", "SQ"])])
def test_from_buildings_finds_or_takes_the_communities_id_column(files, tmp_path, name, option):
    comm = tmp_path / "c.gpkg"
    gpd.read_file(files["communities"]).rename(columns={"社区编号": name}).to_file(comm)
    buildings = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"户数": [100] * 8},
                     geometry=[_cell(i, j).centroid.buffer(20, cap_style="square") for i in range(4) for j in range(2)],
                     crs=UTM).to_file(buildings)
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(comm), str(buildings), "--from-buildings", "--out", str(out), "-q", *option]) == 0
    grids = gpd.read_file(out, layer="grids")
    assert grids["households"].sum() == 800 and set(grids["community_id"]) == {"C1"}


# ------------------------------------------------------------------ 11: 多网合一


def _department(tmp_path: Path, name: str, column: str) -> Path:
    path = tmp_path / f"{name}.gpkg"
    gpd.GeoDataFrame({column: ["A", "B"], "备注": ["x", "y"]},
                     geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)],
                     crs=UTM).to_file(path)
    return path


def test_merge_takes_each_departments_own_grid_id_column(files, tmp_path, capsys):
    zz, cg = _department(tmp_path, "zz", "grid_id"), _department(tmp_path, "cg", "网格编号")
    out = tmp_path / "m.gpkg"
    assert main(["merge", str(files["communities"]), f"综治={zz}", f"城管={cg}", "--out", str(out)]) == 0
    assert "城管: using column 网格编号 as grid_id" in capsys.readouterr().out
    mapping = gpd.read_file(out, layer="mapping")
    assert set(mapping["grid_id"]) == {"A", "B"}


def test_merge_takes_a_column_named_after_at_and_gives_advice_that_works(files, tmp_path, capsys):
    zz, cg = _department(tmp_path, "zz", "grid_id"), _department(tmp_path, "cg", "GRIDNO")
    out = tmp_path / "m.gpkg"
    assert main(["merge", str(files["communities"]), f"综治={zz}", f"城管={cg}", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"城管={cg}@GRIDNO" in err or f"城管={cg}@备注" in err  # an example of the syntax that reads it
    assert main(["merge", str(files["communities"]), f"综治={zz}", f"城管={cg}", "--grid-id-col", "grid_id",
                 "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "Drop --grid-id-col" in err and "pass --grid-id-col or rename" not in err
    assert main(["merge", str(files["communities"]), f"综治={zz}", f"城管={cg}@GRIDNO", "--out", str(out),
                 "-q"]) == 0
    assert set(gpd.read_file(out, layer="mapping")["grid_id"]) == {"A", "B"}


def test_a_project_plan_of_outlines_takes_its_grid_id_col(files, tmp_path):
    from spatial.project.config import load_project
    from spatial.project.pipeline import _find_columns

    for name in ("a.gpkg", "net.graphml", "plan.gpkg"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "p.toml").write_text(
        '[inputs]\nnetwork = "net.graphml"\ncommunities = "a.gpkg"\nunits = "a.gpkg"\n'
        'plan = { path = "plan.gpkg", grid_id_col = "GRIDNO" }\n', encoding="utf-8")
    outlines = gpd.read_file(files["outlines"]).rename(columns={"网格编码": "GRIDNO"})
    layers = {"units": gpd.read_file(files["units"]), "communities": gpd.read_file(files["communities"]),
              "plan": outlines}
    _find_columns(load_project(tmp_path / "p.toml"), layers)
    plan = layers["plan"]
    assert {u for u, g in zip(plan["unit_id"], plan["grid_id"]) if g == "G1"} == WEST


def test_roads_from_an_osm_file_keep_trunk_roads_as_grid_borders(tmp_path):
    from spatial.cli.grids import _read_roads
    from spatial.network.graph import edges_frame

    osm = tmp_path / "roads.osm"
    nodes = "".join(f'<node id="{k}" lat="31.23" lon="{121.47 + k * 0.001:.3f}"/>' for k in range(1, 4))
    osm.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{nodes}'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="trunk"/></way>'
        '<way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way></osm>', encoding="utf-8")
    kinds = sorted(edges_frame(_read_roads(osm))["highway"].astype(str))
    assert kinds == ["residential", "trunk"]
