"""Buildings named in the report by their own id and their place in the file: ``楼号 12栋 (fid 40)``.

`spatial grids --from-buildings` and `spatial run` look for the buildings' id column (楼号, osm_id
...; ``--building-id-col`` or ``[grids] building_id_col`` names another) and name each building by
it and by where the planner finds it in QGIS (a GeoPackage's fid, read here with sqlite3, else the
row from 1); a column named but missing is refused in one line.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spatial.cli import main
from spatial.core.errors import ColumnError
from spatial.io._rownames import building_id_column, building_names

UTM = "EPSG:32650"
X0, Y0 = 500_000, 2_500_000


def test_the_id_column_found_is_the_first_of_the_names_whose_values_repeat_nowhere():
    frame = pd.DataFrame({"code": [1500, 1500, 1500], "name": ["A", None, "A"], "osmid": [7, 8, 9],
                          "楼号（栋）": ["1栋", "2栋", None]})
    assert building_id_column(frame) == "楼号（栋）"  # (a missing value is no repeat)
    assert building_id_column(frame.drop(columns="楼号（栋）")) == "osmid"
    assert building_id_column(frame[["code", "name"]]) is None  # a type code, a repeated name: no id
    assert building_id_column(frame, "name") == "name"  # named: taken as it is
    with pytest.raises(ColumnError, match=r"'b.gpkg' has no column '栋号' \(given as --building-id-col\); it has: "
                                          r"code, name, osmid, 楼号（栋）"):
        building_id_column(frame, "栋号", layer="b.gpkg")


def test_each_building_is_named_by_its_id_and_its_row_and_by_its_row_alone_without_one():
    frame = pd.DataFrame({"楼号": ["12栋", None, 3.0, " "]}, dtype=object)
    assert list(building_names(frame, "b.csv", None, "楼号")) == ["楼号 12栋 (row 1)", "row 2", "楼号 3 (row 3)", "row 4"]
    assert list(building_names(frame, "b.csv", None, None)) == ["row 1", "row 2", "row 3", "row 4"]


def _town(tmp_path):
    """Six houses 40 m square with 楼号 and 70 households each, and a 10 m kiosk (楼号 1A栋, 30)
    drawn inside house 1栋: one grid of 420 households (the kiosk counted once with 1栋)."""
    boxes = [shapely.box(X0 + 20 + 60 * k, Y0 + 20, X0 + 60 + 60 * k, Y0 + 60) for k in range(6)]
    boxes.append(shapely.box(X0 + 30, Y0 + 30, X0 + 40, Y0 + 40))
    bld = gpd.GeoDataFrame({"楼号": [f"{k + 1}栋" for k in range(6)] + ["1A栋"], "osm_id": range(901, 908),
                            "户数": [70] * 6 + [30]}, geometry=boxes, crs=UTM)
    bld.to_file(tmp_path / "b.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(X0, Y0, X0 + 400, Y0 + 100)],
                     crs=UTM).to_file(tmp_path / "c.gpkg")
    with sqlite3.connect(tmp_path / "b.gpkg") as db:  # the fids QGIS shows
        fids = [f for (f,) in db.execute("SELECT fid FROM b ORDER BY fid")]
    return bld.assign(fid=fids)


def _project(tmp_path, grids=""):
    text = ('[project]\nname = "楼号"\noutput = "out"\n[inputs]\ncommunities = "c.gpkg"\n'
            'buildings = { path = "b.gpkg", households_col = "户数" }\n[grids]\nmin_households = 300\n'
            f'max_households = 500\n{grids}[coverage]\nenabled = false\n[outputs]\nmaps = false\nworkbook = false\n'
            'png = false\n')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    return tmp_path / "p.toml"


def _building_rows(path) -> pd.DataFrame:
    report = gpd.read_file(path, layer="report")
    return report[report["layer"] == "buildings"]


@pytest.mark.parametrize(("grids", "col"), [("", "楼号"), ('building_id_col = "osm_id"\n', "osm_id")])
def test_spatial_run_names_the_buildings_by_their_id_and_fid(tmp_path, capsys, grids, col):
    """Before 8 December 2026 `spatial run` named them 'fid 7' only, whatever columns they had."""
    bld = _town(tmp_path)
    assert main(["run", str(_project(tmp_path, grids))]) == 0, capsys.readouterr().err
    rows = _building_rows(tmp_path / "out" / "results.gpkg")
    kiosk, house = bld.iloc[6], bld.iloc[0]
    assert rows["row_id"].tolist() == [f"{col} {kiosk[col]} (fid {kiosk['fid']})"]
    assert rows["problem"].str.startswith(f"drawn inside building {col} {house[col]} (fid {house['fid']})'s").all()
    units = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="units")
    assert set(units["building_index"].dropna()) == {f"{col} {v} (fid {f})" for v, f in zip(bld[col][:6], bld["fid"])}
    assert units["households"].sum() == 420


def test_spatial_grids_names_them_so_and_takes_another_column(tmp_path, capsys):
    bld = _town(tmp_path)
    for extra, col in (([], "楼号"), (["--building-id-col", "osm_id"], "osm_id")):
        assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--from-buildings",
                     "--out", str(tmp_path / "g.gpkg"), *extra]) == 0, capsys.readouterr().err
        kiosk = bld.iloc[6]
        assert _building_rows(tmp_path / "g.gpkg")["row_id"].tolist() == [f"{col} {kiosk[col]} (fid {kiosk['fid']})"]


def test_a_building_id_column_named_but_missing_is_refused_in_one_line(tmp_path, capsys):
    _town(tmp_path)
    assert main(["run", str(_project(tmp_path, 'building_id_col = "栋号"\n'))]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'b.gpkg' has no column '栋号' (given as [grids] building_id_col)" in err
    assert not (tmp_path / "out" / "results.gpkg").exists()
    assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--from-buildings", "--building-id-col",
                 "栋号", "--out", str(tmp_path / "g.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "has no column '栋号' (given as --building-id-col)" in err
    assert not (tmp_path / "g.gpkg").exists()
    assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--building-id-col", "楼号",
                 "--out", str(tmp_path / "g.gpkg")]) == 2
    assert "add --from-buildings, or drop --building-id-col" in capsys.readouterr().err


def test_building_id_col_without_buildings_is_refused_in_one_line(tmp_path, capsys):
    bld = _town(tmp_path)
    bld.assign(unit_id=[f"U{k}" for k in range(len(bld))]).drop(columns="fid").to_file(tmp_path / "u.gpkg")
    text = _project(tmp_path, 'building_id_col = "楼号"\n').read_text(encoding="utf-8")
    text = text.replace('buildings = { path = "b.gpkg", households_col = "户数" }',
                        'units = { path = "u.gpkg", households_col = "户数" }')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "[grids] building_id_col = '楼号' names the buildings of [inputs] buildings in the report" in err
