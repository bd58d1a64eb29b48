"""``spatial run`` at city scale as a civil-affairs bureau runs it: many 街道 and 社区 at once,
uneven inputs (units reaching past their community, homes outside every community), and the
figures per 街道, 社区 and grid checked against each other and against the city total."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
#: outputs a test run does not need
NO_MAPS = "[outputs]\nmaps = false\nworkbook = false\npng = false\n"


def _town(tmp_path: Path, *, empty: bool = False, street: str = "street") -> Path:
    """A 400 x 200 m street grid (net.gpkg); 街道 甲 with community C1 (x 0-200) and 街道 乙 with
    C2 (x 200-400), each holding four 100 m units of 100 households; unit U8 (50 households) lies
    100 m east of C2, 20 m of it inside C2 (so the grid step places it there: most of it that lies
    in any community lies in C2) and its middle outside; one station at (100, 100). With
    ``empty``, 街道 丙 with community C3 (x 0-200, y 200-300) holding no unit. ``street`` names
    the communities' 街道 column. The project
    file p.toml sits in a folder of its own and names the inputs by relative paths."""
    lines = [LineString([(X0 + 100 * i, Y0), (X0 + 100 * i, Y0 + 200)]) for i in range(6)]
    lines += [LineString([(X0, Y0 + 100 * j), (X0 + 500, Y0 + 100 * j)]) for j in range(3)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(tmp_path / "net.gpkg")
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)]
    cells.append(box(X0 + 380, Y0, X0 + 480, Y0 + 100))
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(9)], "households": [100] * 8 + [50]},
                     geometry=cells, crs=UTM).to_file(tmp_path / "units.gpkg")
    comms = [("C1", "甲街道", box(X0, Y0, X0 + 200, Y0 + 200)),
             ("C2", "乙街道", box(X0 + 200, Y0, X0 + 400, Y0 + 200))]
    comms += [("C3", "丙街道", box(X0, Y0 + 200, X0 + 200, Y0 + 300))] if empty else []
    gpd.GeoDataFrame({"community_id": [c[0] for c in comms], street: [c[1] for c in comms]},
                     geometry=[c[2] for c in comms], crs=UTM).to_file(tmp_path / "communities.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "floor_area_m2": [300]}, geometry=[Point(X0 + 100, Y0 + 100)],
                     crs=UTM).to_file(tmp_path / "stations.gpkg")
    (tmp_path / "proj").mkdir()
    project = tmp_path / "proj" / "p.toml"
    project.write_text('[project]\nname = "t"\noutput = "../out"\n[inputs]\nnetwork = "../net.gpkg"\n'
                       'communities = "../communities.gpkg"\nunits = "../units.gpkg"\nstations = "../stations.gpkg"\n'
                       "[grids]\nmin_households = 100\nmax_households = 450\n" + NO_MAPS, encoding="utf-8")
    return project


def test_a_community_counts_the_homes_its_grids_count(tmp_path, monkeypatch):
    # was: the coverage summary placed each home by its middle point, the grid step by where it
    # overlaps a community: U8 (50 households, its middle outside C2) was in C2's grid but counted
    # under community '(none)', so C2 said 400 households and its grids 450 (in the Futian city
    # case 02001: 1,331 in coverage_summary.csv, 1,694 in grids.csv)
    project = _town(tmp_path)
    monkeypatch.chdir(tmp_path / "proj")  # relative paths, run from the project's folder
    assert main(["-q", "run", "p.toml"]) == 0
    out = tmp_path / "out"
    grids = pd.read_csv(out / "grids.csv")
    assert grids.groupby("community_id")["households"].sum().to_dict() == {"C1": 400, "C2": 450}
    summary = pd.read_csv(out / "coverage_summary.csv").set_index(["level", "id"])["households"]
    assert summary[("community", "C1")] == 400 and summary[("community", "C2")] == 450
    assert summary[("street", "甲街道")] == 400 and summary[("street", "乙街道")] == 450
    assert ("community", "(none)") not in summary.index and summary[("overall", "all")] == 850
    fca = pd.read_csv(out / "fca_by_community.csv").set_index(["level", "id"])["households"]
    assert fca[("community", "C2")] == 450 and ("community", "(none)") not in fca.index
    assert project.exists()


#: One community of the Futian city case (EPSG:4326): a Voronoi cell; its 145 units
#: (tests/data/slit_units.parquet) are 70 m squares cut by it, 3-22 households each (synthetic).
SLIT_RING = [(114.00798868595137, 22.540773864327118), (114.0057800942463, 22.53993273021275),
             (114.00357277104486, 22.54111750883161), (114.00171724334022, 22.549160783234772),
             (114.0094402555085, 22.549304685599022)]


def test_a_dask_grid_measures_its_shape_as_returned_like_one_process():
    # was: a Dask part got its units already in the metric CRS, so the engine measured each grid
    # there, hairline slits of the dissolve (gone once the grid is returned in degrees) counted
    # twice in its perimeter: grid C1-01 had polsby_popper 0.718 against 0.777 in one process (and
    # 0.464 against 0.395 in the 36-community city case), for the same geometry
    from shapely.geometry import Polygon

    from spatial.grids.partition import partition_grids
    from spatial.project.distributed import make_client, run_grids_distributed

    units = gpd.read_parquet(Path(__file__).parent / "data" / "slit_units.parquet")
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "street": ["甲街道"]},
                                   geometry=[Polygon(SLIT_RING)], crs="EPSG:4326")
    one = partition_grids(units, communities, check_overlaps=False).grids.set_index("grid_id").sort_index()
    with make_client("local", n_workers=1) as client:
        got = run_grids_distributed(units, communities, client=client, by="street",
                                    check_overlaps=False).grids.set_index("grid_id").sort_index()
    assert got.index.tolist() == one.index.tolist() and got.geometry.geom_equals_exact(one.geometry, 1e-9).all()
    for col in ("area_m2", "polsby_popper"):
        np.testing.assert_allclose(got[col], one[col], rtol=1e-9)
    # and each as measured on the grid returned: 4πA/P² of its polygon in the metric CRS
    metric = one.geometry.to_crs(one.geometry.estimate_utm_crs())
    np.testing.assert_allclose(got["polsby_popper"], 4 * np.pi * metric.area / metric.length ** 2, rtol=1e-6)


def test_whole_number_community_codes_stay_whole_beside_a_home_outside_every_community():
    # was: the communities' 社区代码 101, 102 came out as '101.0', '102.0' (the join's NaN for the
    # home in no community made the column float), matching no row of grids.csv
    from spatial.coverage.load import fca_by_community
    from spatial.coverage.walks import coverage_summary

    communities = gpd.GeoDataFrame({"community_id": [101, 102], "street": ["甲街道", "甲街道"]},
                                   geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=UTM)
    demand = gpd.GeoDataFrame({"households": [5, 7, 9], "band": ["5min", "beyond", "5min"],
                               "fca_m2_per_100hh": [10.0, 0.0, 20.0]},
                              geometry=[Point(5, 5), Point(15, 5), Point(50, 5)], crs=UTM)
    summary = coverage_summary(demand, bands=["5min"], communities=communities)
    rows = summary[summary["level"] == "community"].set_index("id")["households"]
    assert rows.to_dict() == {"101": 5, "102": 7, "(none)": 9}
    fca = fca_by_community(demand, communities=communities)
    assert fca.loc[fca["level"] == "community", "id"].tolist() == ["101", "102", "(none)"]


def test_a_community_with_no_homes_has_its_row_of_zero_in_the_summary(tmp_path):
    # was: community C3 (no unit; the report says so and grids.csv has its grid C3-01 of 0
    # households) and its 街道 丙 were missing from coverage_summary.csv, so a bureau reading the
    # table per 社区 saw 2 of 3 communities (35 of 36 in the Futian city case: 02005)
    project = _town(tmp_path, empty=True)
    assert main(["-q", "run", str(project)]) == 0
    out = tmp_path / "out"
    assert pd.read_csv(out / "grids.csv").set_index("grid_id").loc["C3-01", "households"] == 0
    summary = pd.read_csv(out / "coverage_summary.csv").set_index(["level", "id"])
    for row in (("community", "C3"), ("street", "丙街道"), ("grid", "C3-01")):
        assert summary.loc[row, "households"] == 0 and summary.loc[row, "n_points"] == 0
        assert pd.isna(summary.loc[row, "pct_hh_15min"])
    for level in ("street", "community", "grid"):
        assert summary.loc[level, "households"].sum() == summary.loc[("overall", "all"), "households"] == 850
    assert len(summary.loc["community"]) == 3 and len(summary.loc["street"]) == 3


def test_the_run_log_says_what_each_step_did_and_the_rows_read(tmp_path):
    # was: run_log.json gave each step's seconds only: 'siting': 0.0 did not say it was skipped,
    # and neither the rows read nor the grids drawn (C3: one grid of 0 households) or the homes
    # walked were in it
    project = _town(tmp_path, empty=True)
    assert main(["-q", "run", str(project)]) == 0
    log = json.loads((tmp_path / "out" / "run_log.json").read_text(encoding="utf-8"))
    from spatial.network.read import read_network

    edges = read_network(tmp_path / "net.gpkg").n_edges  # the network: its walkable edges
    assert log["rows_read"] == {"communities": 3, "units": 9, "stations": 1, "network": edges}
    steps = log["steps"]
    assert list(steps) == ["read", "validate", "grids", "coverage", "siting", "write"]
    assert steps["read"] == "read: 4 inputs" and steps["siting"] == "skipped"
    assert steps["grids"] == "grids: 5 grids, 4 in band, 1 under, 0 over"
    assert steps["coverage"].startswith("coverage: 9 units walked")
    assert steps["write"] == f"write: report of {log['report_rows']} rows (every row set aside or repaired, and why)"


_HOLD_A_RUN = """
import sys, time
from spatial.core.atomic import atomic_folder
with atomic_folder(sys.argv[1]) as tmp:
    (tmp / "results.gpkg").write_bytes(b"half a city")
    print(tmp, flush=True)
    time.sleep(120)
"""


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run_not_a_live_ones(tmp_path):
    # was: a run killed with SIGKILL (the OOM killer at city scale) left its hidden
    # '.out.xxxx.partial' folder, half-written results and all; each such run added one more
    import os
    import signal
    import subprocess
    import sys

    from spatial.core.atomic import atomic_folder

    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def start():
        p = subprocess.Popen([sys.executable, "-c", _HOLD_A_RUN, str(out)], stdout=subprocess.PIPE, text=True,
                             env=env)
        return p, Path(p.stdout.readline().strip())

    killed, killed_tmp = start()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert (killed_tmp / "results.gpkg").exists()
    live, live_tmp = start()  # its run removes the killed one's folder
    try:
        assert live_tmp.is_dir()
        with atomic_folder(out) as tmp:
            (tmp / "run_log.json").write_text("{}", encoding="utf-8")
        assert not killed_tmp.exists() and (live_tmp / "results.gpkg").exists()
        assert sorted(p.name for p in out.iterdir()) == ["run_log.json"]
    finally:
        live.kill()
        live.wait()
        live.stdout.close()
        killed.stdout.close()
    with atomic_folder(out):  # the next run after that one
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _open_in_wal_mode(path: Path):
    """A connection to the SQLite file ``path`` as QGIS holds a GeoPackage: WAL mode, with a
    write still in its ``-wal`` file (not checkpointed into the file)."""
    import sqlite3

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE edited_in_qgis (x TEXT)")
    assert path.with_name(path.name + "-wal").exists()
    return con


def _tables(path: Path) -> list[str]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    finally:
        con.close()


def _new_db(path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE this_run (x TEXT)")
    con.commit()
    con.close()


def test_a_results_file_open_in_qgis_is_replaced_whole_not_mixed_with_its_old_wal(tmp_path):
    # was: the earlier results.gpkg, open in QGIS (WAL mode), had its '-wal' file beside it; the
    # new file took its name and SQLite read the old file's pages from that WAL over the new
    # file's: the rerun's results.gpkg showed the earlier run's edited report rows and tables
    from spatial.core.atomic import atomic_folder, atomic_path

    out = tmp_path / "out"
    out.mkdir()
    _new_db(out / "results.gpkg")
    held = _open_in_wal_mode(out / "results.gpkg")
    try:
        with atomic_folder(out) as tmp:  # a run into the folder
            _new_db(tmp / "results.gpkg")
            (tmp / "run_log.json").write_text('{"outputs": ["results.gpkg"]}', encoding="utf-8")
        assert _tables(out / "results.gpkg") == ["this_run"]
        single = tmp_path / "cov.gpkg"  # one file, as spatial coverage --out writes it
        _new_db(single)
        held_too = _open_in_wal_mode(single)
        try:
            with atomic_path(single) as tmp:
                _new_db(tmp)
            assert _tables(single) == ["this_run"]
        finally:
            held_too.close()
    finally:
        held.close()


def test_a_street_column_named_in_chinese_gives_the_street_rows(tmp_path):
    # was: communities with their 街道 in a column 所属街道 (as a civil-affairs file names it) gave
    # no street rows in coverage_summary.csv and no 街道 sheet in summary.xlsx: only a column
    # named 'street' was read
    project = _town(tmp_path, street="所属街道")
    text = project.read_text(encoding="utf-8").replace("workbook = false", "workbook = true")
    project.write_text(text, encoding="utf-8")
    assert main(["-q", "run", str(project)]) == 0
    summary = pd.read_csv(tmp_path / "out" / "coverage_summary.csv").set_index(["level", "id"])["households"]
    assert summary["street"].to_dict() == {"乙街道": 450, "甲街道": 400}
    sheets = pd.read_excel(tmp_path / "out" / "summary.xlsx", sheet_name=None, engine="openpyxl")
    assert "街道" in sheets and sorted(sheets["街道"].iloc[:, 0]) == ["乙街道", "甲街道"]
    communities = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="communities")
    assert "所属街道" in communities.columns  # the input's column kept as it was


def test_community_ids_numbered_afresh_in_each_street_are_refused_saying_so(tmp_path, capsys):
    # was: '... holds duplicate ids: 001; give every row its own id', not saying the ids restart
    # in each 街道 (001 in 甲街道 and in 乙街道), as a district's communities often are numbered
    project = _town(tmp_path)
    communities = gpd.read_file(tmp_path / "communities.gpkg")
    communities.assign(community_id="001").to_file(tmp_path / "communities.gpkg")
    assert main(["-q", "run", str(project)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "duplicate ids: 001" in err and "restart in each 街道: 001 is in 甲街道 and 乙街道" in err
    assert "甲街道-001" in err


def test_a_unit_touching_a_community_by_rounding_alone_lies_in_none():
    """A unit outside every community whose edge lies on a community's border, moved into it by
    the rounding of a reprojection (here 1 nm), was placed in that community (5 units of a city
    with communities in EPSG:4547, one of 13 households); an overlap of a millionth of the unit
    or less now places it nowhere, and it is reported outside every community, while a unit
    with 1% of its area inside is still placed there."""
    import spatial

    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs=UTM)
    units = gpd.GeoDataFrame(
        {"unit_id": ["A", "B", "OUT", "SOME"], "households": [200, 200, 13, 20]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 200), box(X0 + 100, Y0, X0 + 199, Y0 + 200),
                  box(X0 + 200 - 1e-9, Y0, X0 + 300, Y0 + 100), box(X0 + 199, Y0 + 100, X0 + 299, Y0 + 200)],
        crs=UTM)
    res = spatial.partition_grids(units, comm, min_households=150, max_households=500)
    placed = res.units.set_index("unit_id")["grid_id"]
    assert pd.isna(placed["OUT"]) and not pd.isna(placed["SOME"])
    rows = res.report[res.report["problem"].astype(str).str.contains("outside every community")]
    assert rows["row_id"].astype(str).tolist() == ["OUT"]


def test_a_killed_single_file_write_is_cleaned_by_the_next(tmp_path):
    """``spatial coverage --out cov.gpkg`` killed with SIGKILL (no handler runs) left its hidden
    '.cov.gpkg.xxxx.partial.gpkg' beside the output, and each such kill added another; the next
    write to the same path now removes what a writer no longer alive left (a shapefile's
    sidecars too), and leaves a write still going alone."""
    import subprocess
    import sys

    target = tmp_path / "cov.gpkg"
    code = ("import sys, time\nfrom spatial.core.atomic import atomic_path\n"
            "with atomic_path(sys.argv[1]) as tmp:\n"
            "    tmp.write_text('half'); tmp.with_suffix('.dbf').write_text('x')\n"
            "    print('writing', flush=True); time.sleep(60)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        assert p.stdout.readline().strip() == "writing"
    procs[0].kill()
    procs[0].wait()
    procs[0].stdout.close()
    left = sorted(f.name for f in tmp_path.iterdir())
    assert len(left) == 6, left  # two writers: each a temporary file, a .dbf beside it and a lock
    from spatial.core.atomic import atomic_path

    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    still = sorted(f.name for f in tmp_path.iterdir() if f.name != "cov.gpkg")
    procs[1].kill()
    procs[1].wait()
    procs[1].stdout.close()
    assert target.read_text() == "whole"
    assert len(still) == 3 and all(n.startswith(".cov.gpkg.") for n in still), still  # the live writer's
    with atomic_path(target) as tmp:
        tmp.write_text("again")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["cov.gpkg"]
