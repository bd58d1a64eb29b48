"""Files as a district office really sends them, through the command line: each fault found with
a mangled copy of the demo data, reduced to a tiny input with a known answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from test_cli_faults import _interrupt, _leftovers
from test_outside_a import files  # noqa: F401 (a fixture: a street grid of footways, stations and units)

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _plan_files(folder: Path) -> tuple[Path, Path]:
    """One community of 400 x 200 m and its eight 100 m square units of 100 households."""
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": ["C1"] * 8,
                              "households": [100] * 8}, geometry=cells, crs=UTM)
    comm.to_file(folder / "communities.gpkg")
    units.to_file(folder / "units.gpkg")
    return folder / "communities.gpkg", folder / "units.gpkg"


def _stop_while_writing(args: list[str], signum: int) -> tuple[int, str]:
    """``spatial ARGS`` sent ``signum`` once the first layer of its output is written."""
    return _interrupt(args, signum)


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["TERM", "HUP"])
def test_a_command_stopped_by_sigterm_or_sighup_leaves_no_temporary_file(tmp_path, signum, code):
    """``timeout 3 spatial grids ...`` (SIGTERM) or closing the terminal (SIGHUP) while the grids
    were written left '.out.gpkg.1a2b3c4d.partial.gpkg' in the output folder, exit -15 and not a
    word said: only Ctrl-C was caught. Both now end as Ctrl-C does, in one line."""
    comm, units = _plan_files(tmp_path)
    out = tmp_path / "out.gpkg"
    got, err = _stop_while_writing(["grids", comm, units, "--min", "150", "--max", "250", "--out", out], signum)
    name = signal.Signals(signum).name
    assert got == code, err
    assert f"spatial grids: stopped by {name}; no output was written" in err and "Traceback" not in err, err
    assert not out.exists() and _leftovers(tmp_path) == []


def test_merge_over_community_points_is_refused_naming_the_file(tmp_path, capsys):
    """Communities given as points (a 社区居委会 location layer) crashed spatial merge with
    'internal error: TypeError: operation 'add' not supported for dtype 'str' with dtype
    'int64'' (exit 1): no grid met any community, and numbering no unified grid failed."""
    from spatial.cli import main

    comm, _ = _plan_files(tmp_path)
    points = gpd.read_file(comm)
    points["geometry"] = points.geometry.centroid
    points.to_file(tmp_path / "居委会.gpkg")
    halves = [box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)]
    quarters = [box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 200) for i in range(4)]
    gpd.GeoDataFrame({"grid_id": ["A", "B"]}, geometry=halves, crs=UTM).to_file(tmp_path / "zz.gpkg")
    gpd.GeoDataFrame({"grid_id": list("abcd")}, geometry=quarters, crs=UTM).to_file(tmp_path / "cg.gpkg")
    out = tmp_path / "merged.gpkg"
    code = main(["merge", str(tmp_path / "居委会.gpkg"), f"综治={tmp_path / 'zz.gpkg'}", f"城管={tmp_path / 'cg.gpkg'}",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.strip() == ("spatial merge: error: '居委会.gpkg' rows must be Polygon or MultiPolygon, but 1 are not "
                           "(community_id: C1 (Point)); draw the community boundary as a polygon")
    assert not out.exists()
    # the same files with the community's outline merge
    assert main(["-q", "merge", str(comm), f"综治={tmp_path / 'zz.gpkg'}", f"城管={tmp_path / 'cg.gpkg'}",
                 "--out", str(out)]) == 0
    assert len(gpd.read_file(out, layer="unified")) == 2


def test_floor_areas_typed_as_excel_shows_them_are_read_as_the_m2_they_say(caplog):
    """A stations CSV saved by Excel with '1,050' (thousands separator), '１０５０' (full-width) or
    '1050平方米' in the floor area column had every such station 'counted as 0 m² in 2SFCA' and no
    m² per 100 households (demo stations: 5, 17 and 17 of 17), while the households column read
    '1,203', '２０３' and '203户' as counts. The floor areas are now read as the m² they say."""
    import logging

    import numpy as np
    import pandas as pd
    from shapely.geometry import Point

    from spatial.coverage.load import station_fca, station_load
    from spatial.network.graph import network_from_arrays

    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2", "S3", "S4"],
                                 "面积": ["1,200", "３００平方米", "90㎡", "约300"]},
                                geometry=[Point(0, 0), Point(1000, 0), Point(2000, 0), Point(3000, 0)], crs=UTM)
    homes = pd.DataFrame({"unit_id": ["a", "b", "c", "d"], "households": [100.0, 200.0, 100.0, 50.0],
                          "nearest_station": ["S1", "S1", "S2", "S3"]})
    with caplog.at_level(logging.WARNING):
        load = station_load(homes, stations, area_col="面积")
    # 1,200 m² for 300 households, 300 m² for 100, 90 m² for 50; '约300' is no number: unknown
    assert load["m2_per_100hh"].tolist()[:3] == [400.0, 300.0, 180.0]
    assert np.isnan(load["m2_per_100hh"].iloc[3])
    assert load["面积"].tolist() == stations["面积"].tolist()  # the input's column as it was
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "'stations' column '面积': 3 values written as text read as m² ('1,200' as 1200)" in said

    # 2SFCA: one home of 100 households 5 m off the path beside S2 (300 m²), the others 1.5 km away
    net = network_from_arrays(np.array([[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0], [3000.0, 0.0]]),
                              [0, 1, 2], [1, 2, 3], crs=UTM)
    home = gpd.GeoDataFrame({"unit_id": ["h"], "households": [100.0]}, geometry=[Point(1000, 5)], crs=UTM)
    _, fca = station_fca(home, stations.iloc[[1]], net, area_col="面积", limit_m=500)
    assert fca["fca_m2_per_100hh"].tolist() == pytest.approx([300.0])


def test_a_unit_outline_outside_every_community_gets_one_row_saying_it_has_no_grid(tmp_path):
    """A unit outline drawn 2 km off (demo unit C01-0001 moved past the district's edge) but with
    community_id C01 got two rows that contradicted each other: 'outside every community
    (nearest: C12, 2129 m away)' / 'placed in community C01 by its community_id, and in one of
    its grids', then 'has no area inside its community' / 'not given a grid' (it had none). One
    row now says both what is wrong and what happened."""
    from spatial.cli import main

    comm, units = _plan_files(tmp_path)
    moved = gpd.read_file(units)
    moved.loc[7, "geometry"] = box(X0 + 600, Y0, X0 + 700, Y0 + 100)  # U7, its centre 250 m east of C1
    moved.to_file(tmp_path / "moved.gpkg")
    out = tmp_path / "grids.gpkg"
    assert main(["-q", "grids", str(comm), str(tmp_path / "moved.gpkg"), "--min", "150", "--max", "250",
                 "--out", str(out)]) == 0
    report = gpd.read_file(out, layer="report")
    rows = report[report["row_id"] == "U7"]
    assert rows[["problem", "action"]].values.tolist() == [[
        "has no area inside its community C1: outside every community (nearest: C1, 250 m away); check the "
        "unit's location or its community_id", "not given a grid"]]
    kept = gpd.read_file(out, layer="units").set_index("unit_id")
    assert len(kept) == 8 and kept.loc["U7", "community_id"] == "C1" and kept["grid_id"].isna().tolist() == [False] * 7 + [True]


@pytest.mark.parametrize("file, col", [("stations.gpkg", "建筑面积（㎡）"), ("stations.gpkg", "面积"),
                                       ("stations.shp", "floor_area")],
                         ids=["jianzhu-mianji", "mianji", "shapefile-cut"])
def test_the_stations_floor_area_is_found_under_its_chinese_name_or_cut_by_a_shapefile(tmp_path, capsys, file, col):
    """The floor area standard (30 m² per 100 households) was checked only for a column named
    floor_area_m2: the demo stations as a GBK shapefile with 建筑面积, or written to a shapefile
    (which cuts floor_area_m2 to 'floor_area'), got no m2_per_100hh, no under_standard and no
    OUT_fca_by_community.csv, without a word. The column is now found as the others are."""
    import pandas as pd
    from shapely.geometry import LineString, Point

    from spatial.cli import main

    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 1000, Y0)])],
                     crs=UTM).to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], col: [60.0]}, geometry=[Point(X0 + 500, Y0 + 5)],
                     crs=UTM).to_file(tmp_path / file)
    gpd.GeoDataFrame({"unit_id": ["a", "b", "c"], "households": [100, 100, 100]},
                     geometry=[Point(X0 + x, Y0 + 10) for x in (400, 500, 600)], crs=UTM).to_file(tmp_path / "homes.gpkg")
    out = tmp_path / "c.gpkg"
    assert main(["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / file), str(tmp_path / "homes.gpkg"),
                 "--out", str(out), "--no-isochrones"]) == 0
    said = capsys.readouterr().out
    assert f"stations: using column {col} as floor_area_m2" in said
    load = pd.read_csv(tmp_path / "c_station_load.csv", encoding="utf-8-sig")
    # 60 m² for the 300 households of the three homes: 20 per 100, under the standard of 30
    assert load[["m2_per_100hh", "under_standard"]].values.tolist() == [[20.0, True]]
    assert (tmp_path / "c_fca_by_community.csv").exists()


def test_site_reads_the_candidates_floor_area_under_its_chinese_name_as_typed(files, tmp_path, capsys):
    """spatial site --min-floor-area-m2 500 on candidates with 建筑面积 (a district's list of rooms
    on offer) stopped with "'cand_gbk.csv' has no column 'floor_area_m2' ... pass its name with the
    matching *_col option", an option spatial site does not have; and '1,200' or '３００' in
    floor_area_m2 were left out as 'no floor_area_m2'. The column is found, its text read."""
    from test_outside_a import _candidates

    from spatial.cli import main

    args = _candidates(files, tmp_path, [0.0, 0.0, 0.0])
    cand = gpd.read_file(tmp_path / "cand.gpkg").drop(columns="floor_area_m2")
    cand["建筑面积"] = ["800", "３００", "1,200"]
    cand.to_file(tmp_path / "cand.gpkg")
    assert main(args + ["--min-floor-area-m2", "500"]) == 0
    assert gpd.read_file(tmp_path / "s.gpkg", layer="sites")["candidate_id"].tolist() == ["K3"]
    report = gpd.read_file(tmp_path / "s.gpkg", layer="report").query("layer == 'candidates'")
    assert report[["row_id", "problem"]].values.tolist() == [["K2", "floor area 300 m² < 500 m²"],
                                                             ["K1", "reaches no uncovered household within 120m"]]
    capsys.readouterr()
    cand.drop(columns="建筑面积").to_file(tmp_path / "cand.gpkg")
    assert main(args + ["--min-floor-area-m2", "500"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("spatial site: error: --min-floor-area-m2: 'cand.gpkg' has no floor area column "
                          "(looked for floor_area_m2, 建筑面积") and err.endswith("or leave out --min-floor-area-m2")


def test_station_coordinates_in_degrees_minutes_seconds_or_with_e_and_n_are_read(tmp_path, caplog):
    """A station list from a survey table (GBK, 经度 '114°0′28.70″', 纬度 '22°32′51.86″'; or
    '114.007971°E') stopped every command with 'missing or non-numeric coordinates in row 2
    ... fill them in or delete those rows' for all 17 demo stations: nothing was missing. Such
    text is now read as the degrees it says; text that is no coordinate is still named, and
    told to be written as decimal degrees."""
    import logging

    from spatial.core.errors import ColumnError
    from spatial.io.layers import read_points_table

    path = tmp_path / "站点.csv"
    path.write_bytes("名称,经度,纬度\n甲,114°0′28.70″,22°32′51.86″\n乙,114.0583°E,N22.5\n丙,东经114度3分0秒,北纬22.5\n"
                     "丁,１１４．０５,22.5\n".encode("gbk"))
    with caplog.at_level(logging.WARNING):
        points = read_points_table(path)
    # 114 + 0/60 + 28.70/3600 = 114.0079722; 22 + 32/60 + 51.86/3600 = 22.5477389; 3 minutes = 0.05 degrees
    assert points.geometry.x.round(7).tolist() == [114.0079722, 114.0583, 114.05, 114.05]
    assert points.geometry.y.round(7).tolist() == [22.5477389, 22.5, 22.5, 22.5]
    assert points["名称"].tolist() == ["甲", "乙", "丙", "丁"] and points.crs.to_epsg() == 4326
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "column '经度': 3 coordinates written with °, minutes or E/N read as decimal degrees ('114°0′28.70″' as " \
           "114.007972)" in said
    assert "column '经度': 1 coordinates written in full-width digits read as decimal degrees ('１１４．０５' as " \
           "114.050000)" in said
    path.write_bytes("名称,经度,纬度\n甲,114.01.5,22.5\n".encode("gbk"))
    with pytest.raises(ColumnError, match=r"row 2, 名称 '甲' \(经度='114.01.5', 纬度=22.5\); write each as decimal degrees "
                                          r"\(e.g. 114.05831\), fill them in or delete those rows"):
        read_points_table(path)


@pytest.mark.parametrize("kind", ["html", "truncated", "empty"])
def test_a_plan_workbook_that_is_no_workbook_is_one_line_saying_what_it_is(tmp_path, capsys, kind):
    """spatial grids COMMUNITIES UNITS --existing PLAN --evaluate (and spatial editor PLAN) on a
    plan 'xls' that an office system exported as a web page, an .xlsx cut short by a download, or
    an empty one ended in 'internal error: CalamineError: Cannot detect file format' or
    'BadZipFile: File is not a zip file', exit 1. It is now exit 2 and one line saying what the
    file is and to save it again as .xlsx or CSV."""
    import pandas as pd

    from spatial.cli import main

    comm, units = _plan_files(tmp_path)
    table = pd.DataFrame({"单元编号": [f"U{k}" for k in range(8)], "网格编号": ["G1"] * 4 + ["G2"] * 4})
    good = tmp_path / "good.xlsx"
    table.to_excel(good, index=False)
    if kind == "html":
        plan = tmp_path / "导出.xls"
        plan.write_text(table.to_html(index=False), encoding="utf-8")
        said = "it is a web page (HTML) saved as .xls, as some systems export tables; open it in Excel or WPS"
    elif kind == "truncated":
        plan = tmp_path / "plan.xlsx"
        plan.write_bytes(good.read_bytes()[:2000])
        said = "File is not a zip file (damaged, copied in part, or not a workbook); open it in Excel or WPS"
    else:
        plan = tmp_path / "plan.xlsx"
        plan.write_bytes(b"")
        said = "the file is empty (0 bytes); open the original in Excel or WPS"
    out = tmp_path / "scores.gpkg"
    for args in (["grids", str(comm), str(units), "--existing", str(plan), "--evaluate", "--out", str(out)],
                 ["editor", str(plan), "--units", str(units), "--out", str(tmp_path / "e.html")]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "internal error" not in err, err
        assert f"error: cannot read plan '{plan.name}' as an Excel workbook: {said}" in err, err
        assert err.endswith("save it as .xlsx (or export CSV), then give that file")
    assert not out.exists() and not (tmp_path / "e.html").exists()
    assert main(["-q", "grids", str(comm), str(units), "--existing", str(good), "--evaluate", "--out", str(out)]) == 0


@pytest.mark.parametrize("given, known", [([1, 1, 2, 2], ["01", "02"]), (["01", "01", "02", "02"], [1, 2]),
                                          ([1, 1, 2, 2], ["1", "2"])], ids=["lost-zeros", "other-lost", "type"])
def test_units_community_ids_from_excel_match_the_communities_ids(tmp_path, capsys, given, known):
    """Units whose 社区编号 came through Excel (1 for the communities' '01'), or as numbers against
    the same ids as text, were refused by spatial grids: "'un_int.gpkg' column 'community_id'
    names communities that are not in 'communities': C01-0001 (1) ...; fix the ids or drop the
    column", or with Python advice ("units['community_id'].astype(str)") a planner at the
    command line cannot follow. They are matched, said in one warning."""
    from spatial.cli import main

    comm = gpd.GeoDataFrame({"community_id": known},
                            geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    cells = [box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 200) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U4"], "community_id": given, "households": [100] * 4},
                             geometry=cells, crs=UTM)
    comm.to_file(tmp_path / "社区.gpkg")
    units.to_file(tmp_path / "单元.gpkg")
    out = tmp_path / "grids.gpkg"
    assert main(["grids", str(tmp_path / "社区.gpkg"), str(tmp_path / "单元.gpkg"), "--grids", "4",
                 "--out", str(out)]) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "'单元.gpkg' column 'community_id': ids matched to the ids of '社区.gpkg': 4 " in err, err
    placed = gpd.read_file(out, layer="units")
    assert placed["community_id"].astype(str).tolist() == [str(known[0])] * 2 + [str(known[1])] * 2
    assert placed["grid_id"].notna().all() and placed["grid_id"].nunique() == 4


def test_coverage_matches_the_homes_community_ids_from_excel_to_the_communities(tmp_path, capsys):
    """spatial coverage --communities with the homes' 社区编号 as 1, 2 (Excel) and the communities'
    as '01', '02' (and their 街道 in a street column) stopped after the walks with "'homes.gpkg' and 'communities' hold
    'community_id' as different types, which never match; make them the same, e.g. with
    .astype(str) on both" (demo: 1,866 units). They are matched as spatial grids matches them."""
    import pandas as pd
    from shapely.geometry import LineString, Point

    from spatial.cli import main

    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 1000, Y0)])],
                     crs=UTM).to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "floor_area_m2": [60.0]}, geometry=[Point(X0 + 500, Y0 + 5)],
                     crs=UTM).to_file(tmp_path / "st.gpkg")
    gpd.GeoDataFrame({"unit_id": ["a", "b"], "community_id": [1, 2], "households": [100, 50]},
                     geometry=[Point(X0 + 400, Y0 + 10), Point(X0 + 600, Y0 + 10)], crs=UTM).to_file(tmp_path / "homes.gpkg")
    gpd.GeoDataFrame({"community_id": ["01", "02"], "street": ["沙头街道", "沙头街道"]},
                     geometry=[box(X0, Y0 - 100, X0 + 500, Y0 + 100), box(X0 + 500, Y0 - 100, X0 + 1000, Y0 + 100)],
                     crs=UTM).to_file(tmp_path / "社区.gpkg")
    out = tmp_path / "c.gpkg"
    assert main(["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "st.gpkg"), str(tmp_path / "homes.gpkg"),
                 "--communities", str(tmp_path / "社区.gpkg"), "--out", str(out), "--no-isochrones"]) == 0, \
        capsys.readouterr().err
    assert "'homes.gpkg' column 'community_id': ids matched to the ids of '社区.gpkg': 2 with leading zeros lost" \
        in capsys.readouterr().err
    summary = pd.read_csv(tmp_path / "c_summary.csv", encoding="utf-8-sig", dtype={"id": str})
    rows = summary[summary["level"] == "community"]
    assert dict(zip(rows["id"], rows["households"])) == {"01": 100, "02": 50}
    fca = pd.read_csv(tmp_path / "c_fca_by_community.csv", encoding="utf-8-sig", dtype={"id": str})
    assert fca.loc[fca["level"] == "community", ["id", "households"]].values.tolist() == [["01", 100], ["02", 50]]


def test_an_out_folder_or_a_name_without_file_type_is_told_the_file_name_to_give(tmp_path, capsys, monkeypatch):
    """'--out results/' (a folder, as planners often give one) and '--out 结果' were told "cannot
    write 'a file without suffix' files; end the name with .gpkg"; the folder check that says
    what to give came after it and was never reached."""
    from spatial.cli import main

    comm, units = _plan_files(tmp_path)
    (tmp_path / "results").mkdir()
    monkeypatch.chdir(tmp_path)
    for out, said in (("results/", "--out 'results' is a folder; give a file name such as results/out.gpkg"),
                      ("结果", "--out '结果' has no file type; end the name with .gpkg, e.g. 结果.gpkg")):
        assert main(["grids", str(comm), str(units), "--min", "150", "--max", "250", "--out", out]) == 2
        assert capsys.readouterr().err.strip() == f"spatial grids: error: {said}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["communities.gpkg", "results", "units.gpkg"]
    assert list((tmp_path / "results").iterdir()) == []


def test_a_shapefile_given_by_its_folder_or_without_shp_is_told_the_file(tmp_path, capsys, monkeypatch):
    """ArcGIS users give a shapefile's folder ('社区边界') or its name without .shp; they were told
    "'社区边界' is a folder; give a file" and "'co' does not exist; check the path". The
    messages now name the file to give."""
    from spatial.cli import main

    comm, units = _plan_files(tmp_path)
    (tmp_path / "社区边界").mkdir()
    gpd.read_file(comm).rename(columns={"community_id": "code"}).to_file(tmp_path / "社区边界" / "社区.shp",
                                                                         encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for given, said in (("社区边界", "COMMUNITIES '社区边界' is a folder; give a file in it: 社区边界/社区.shp"),
                        ("社区边界/社区", "COMMUNITIES '社区边界/社区' does not exist; did you mean 社区边界/社区.shp?")):
        assert main(["grids", given, str(units), "--min", "150", "--max", "250", "--out", "g.gpkg"]) == 2
        assert capsys.readouterr().err.strip() == f"spatial grids: error: {said}"
    assert main(["-q", "grids", "社区边界/社区.shp", str(units), "--min", "150", "--max", "250", "--out", "g.gpkg"]) == 0


def test_site_names_the_file_whose_counts_were_written_as_text(files, tmp_path, capsys):
    """spatial site on units with 户数 typed '203户' warned "'demand' column '户数': 1866 values
    written as text read as counts" - a layer name the planner never gave; spatial coverage on
    the same files names 'un_hu.csv'. Both now name the file."""
    from test_outside_a import _candidates

    from spatial.cli import main

    args = _candidates(files, tmp_path, [800.0, 100.0, 900.0])
    homes = gpd.read_file(files["units"])
    homes["households"] = [f"{v:.0f}户" for v in homes["households"]]
    homes.to_file(tmp_path / "住户.gpkg")
    args[args.index(str(files["units"]))] = str(tmp_path / "住户.gpkg")
    assert main([a for a in args if a != "-q"]) == 0
    err = capsys.readouterr().err
    assert "'住户.gpkg' column 'households': 9 values written as text read as counts ('100户' as 100)" in err, err
    assert "'demand'" not in err


@pytest.mark.parametrize("command", ["grids", "coverage", "site"])
def test_a_households_column_of_zeros_is_refused_naming_the_file(files, tmp_path, capsys, command):
    """Units whose households column was never filled in (0 in every row) gave 'households
    covered: 5min nan%, 10min nan%, 15min nan%' (coverage), '12 grids: 0 in band, 12 under' with
    'merge with a neighbouring community' for each (grids) and 'only 0 of the k=2 sites add
    households' (site), exit 0. Each now stops in one line saying what to fill in."""
    from spatial.cli import main

    units = gpd.read_file(files["units"]).assign(households=0)
    units.to_file(tmp_path / "单元.gpkg")
    out = tmp_path / "out.gpkg"
    args = {"grids": ["grids", str(files["communities"]), str(tmp_path / "单元.gpkg"), "--grids", "2"],
            "coverage": ["coverage", str(files["net"]), str(files["stations"]), str(tmp_path / "单元.gpkg")],
            "site": ["site", str(files["net"]), str(files["stations"]), str(tmp_path / "单元.gpkg"), "--k", "1"]}
    assert main([*args[command], "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"spatial {command}: error: '单元.gpkg' column 'households' is 0 in every row (9 rows): there are no "
        "households to count; fill in the households, or name the column that holds them with --households-col")
    assert not out.exists()


def test_a_project_whose_households_are_all_zero_is_refused_naming_the_file(files, tmp_path, capsys):
    """spatial run on the same units (households 0 in every row) drew '12 grids, 0 in band, 12
    under' and wrote '共 0 户 ... 15分钟内 0 户（–）', exit 0."""
    from spatial.cli import main

    gpd.read_file(files["units"]).assign(households=0).to_file(tmp_path / "单元.gpkg")
    (tmp_path / "p.toml").write_text(
        f'[project]\nname = "t"\noutput = "out"\n[inputs]\ncommunities = "{files["communities"].name}"\n'
        'units = "单元.gpkg"\n[grids]\nmin_households = 100\nmax_households = 300\n'
        "[outputs]\nmaps = false\npng = false\nworkbook = false\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "error: '单元.gpkg' column 'households' is 0 in every row (9 rows): there are no households to count; fill in "
        "the households, or name the column that holds them with households_col = \"...\" in [inputs] units")
    assert not (tmp_path / "out").exists()


def test_a_header_in_two_rows_of_merged_cells_is_read_as_one(tmp_path):
    """A station list with 坐标 merged over 经度 | 纬度 and 名称, 编号, 面积 merged down both rows (as
    offices lay out their sheets) was refused: "'st_2row.xlsx' has no longitude column ...; it
    has: 名称, 编号, 坐标, Unnamed: 3, 面积". The second row now completes the header; a first row
    of data is never taken for it."""
    import openpyxl

    from spatial.io.layers import read_points_table, read_table

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "编号", "坐标", None, "面积"])
    sheet.append([None, None, "经度", "纬度", None])
    for cells in ("A1:A2", "B1:B2", "C1:D1", "E1:E2"):
        sheet.merge_cells(cells)
    sheet.append(["甲", "S1", 114.0, 22.5, 300])
    sheet.append(["乙", "S2", 114.01, 22.51, None])
    book.save(tmp_path / "站点.xlsx")
    (tmp_path / "站点.csv").write_text("名称,编号,坐标,,面积\n,,经度,纬度,\n甲,S1,114.0,22.5,300\n乙,S2,114.01,22.51,\n",
                                      encoding="utf-8")
    for name in ("站点.xlsx", "站点.csv"):
        points = read_points_table(tmp_path / name)
        assert list(points.columns) == ["名称", "编号", "经度", "纬度", "面积", "geometry"], name
        assert points["编号"].tolist() == ["S1", "S2"] and points.geometry.x.tolist() == [114.0, 114.01]
        assert points["面积"].iloc[0] == 300
    # a first row of data under a blank header cell stays a row of data
    (tmp_path / "t.csv").write_text("名称,,备注\n甲,乙,丙\n丁,戊,己\n", encoding="utf-8")
    assert read_table(tmp_path / "t.csv")["名称"].tolist() == ["甲", "丁"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_plan_table_under_a_title_line_is_read_by_evaluate_and_the_editor(tmp_path, capsys, suffix):
    """The demo plan exported with a title line above unit_id, grid_id (福田区网格划分方案, as
    tables are printed) was refused by --evaluate and the editor: "plan 'plan_title.csv' has no
    column 'unit_id', 'grid_id'; it has: 福田区网格划分方案（2025年）", while the same file redrew
    (read as other tables are read). Plans now skip the title as every other table does."""
    import openpyxl
    import pandas as pd

    from spatial.cli import main

    comm, units = _plan_files(tmp_path)
    plan = pd.DataFrame({"单元编号": [f"U{k}" for k in range(8)], "网格编号": ["G1"] * 4 + ["G2"] * 4})
    path = tmp_path / f"方案{suffix}"
    if suffix == ".csv":
        path.write_text("福田区网格划分方案（2025年）\n" + plan.to_csv(index=False), encoding="gbk")
    else:
        plan.to_excel(path, index=False, startrow=1)
        book = openpyxl.load_workbook(path)
        book.active["A1"] = "福田区网格划分方案"
        book.save(path)
    out = tmp_path / "scores.gpkg"
    assert main(["-q", "grids", str(comm), str(units), "--existing", str(path), "--evaluate", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    scores = gpd.read_file(out, layer="grid_scores")
    assert dict(zip(scores["grid_id"], scores["households"])) == {"G1": 400, "G2": 400}
    assert main(["-q", "editor", str(path), "--units", str(units), "--out", str(tmp_path / "e.html")]) == 0


def test_roads_given_as_points_are_refused_before_the_grids_are_drawn(tmp_path, capsys):
    """spatial grids --roads stations.gpkg (the wrong file: 17 demo station points) drew the grids
    anyway, exit 0, with two report rows ('no line or polygon geometries', 'no roads given'):
    grid borders silently ignored the streets the planner meant to give."""
    from shapely.geometry import Point

    from spatial.cli import main

    comm, units = _plan_files(tmp_path)
    gpd.GeoDataFrame({"station_id": ["S1", "S2"]}, geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 50)],
                     crs=UTM).to_file(tmp_path / "站点.gpkg")
    out = tmp_path / "grids.gpkg"
    assert main(["grids", str(comm), str(units), "--min", "150", "--max", "250", "--roads", str(tmp_path / "站点.gpkg"),
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (
        "spatial grids: error: --roads '站点.gpkg' holds no lines (2 Point rows); give the road lines (a line layer, "
        "or a network file .graphml, .osm, .osm.pbf)")
    assert not out.exists()
