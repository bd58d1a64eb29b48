"""Runs that die, are cut short or meet a hostile file system, as an office machine has them: a
full disk (a file size limit stands in for it), Ctrl-C or a ``timeout``, an output folder holding
an earlier run. Each fault was met with real runs of the command line, and is pinned here on a
tiny town: one or two communities of eight 100 m square units of 100 households, a grid of
footways round them and two stations."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def town(tmp_path) -> dict[str, Path]:
    """Two communities of four units each, footways between all units, two stations."""
    d = tmp_path / "in"
    d.mkdir()
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)]
    lines = ([LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
             + [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)])
    p = {name: d / f"{name}.gpkg" for name in ("communities", "units", "roads", "stations")}
    gpd.GeoDataFrame({"community_id": ["C1", "C2"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200),
                                                              box(X0 + 200, Y0, X0 + 400, Y0 + 200)],
                     crs=UTM).to_file(p["communities"])
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": ["C1"] * 4 + ["C2"] * 4,
                      "households": [100] * 8}, geometry=cells, crs=UTM).to_file(p["units"])
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(p["roads"])
    gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": ["甲", "乙"]},
                     geometry=[Point(X0 + 50, Y0 - 50), Point(X0 + 350, Y0 + 250)], crs=UTM).to_file(p["stations"])
    return p


def _grids(town, out: Path, *extra) -> list[str]:
    return ["grids", str(town["communities"]), str(town["units"]), "--min", "100", "--max", "250",
            "--out", str(out), *map(str, extra)]


def _project(town, folder: Path) -> Path:
    path = folder / "p.toml"
    path.write_text(f'[project]\nname = "t"\noutput = "out"\n[inputs]\n'
                    f'communities = "{town["communities"].as_posix()}"\nunits = "{town["units"].as_posix()}"\n'
                    "[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".partial" in p.name)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _spatial_limited(args: list, cwd: Path, max_file_bytes: int) -> subprocess.CompletedProcess:
    """``spatial ARGS`` in a process that may write no file larger than ``max_file_bytes``, as a
    full disk stops a write (SIGXFSZ ignored: the write fails with EFBIG, as with ENOSPC)."""
    import resource

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "spatial", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, preexec_fn=limit, timeout=300)


# ------------------------------------------------- 1: a full disk while a GeoPackage is written


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="POSIX file size limits")
def test_a_full_disk_while_a_geopackage_is_written_says_so_in_one_short_line(town, tmp_path):
    """With the disk full, ``spatial grids`` said: cannot write layer 'grids' to 'g.gpkg':
    sqlite3_exec(CREATE TABLE gpkg_spatial_ref_sys ... (6,000 characters of GDAL's SQL) ...)
    failed: disk I/O error, or 'no such table: gpkg_contents', or 'Failed to commit
    transaction': nothing said the disk was full, nor what to do. GDAL gives no errno; the
    failure is now said as every other full write is."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out, kmz = out_dir / "g.gpkg", out_dir / "g.kmz"
    assert main(["-q", *_grids(town, out, "--kml", kmz)]) == 0
    before = _snapshot(out_dir)
    done = _spatial_limited(_grids(town, out, "--kml", kmz), tmp_path, 50_000)
    err = done.stderr.strip()
    assert done.returncode == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert f"spatial grids: error: cannot write '{out}': File too large; nothing was written there" in err, err
    assert "sqlite3_exec" not in err and len(err) < 300, err
    assert _snapshot(out_dir) == before and _leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="POSIX file size limits")
def test_a_full_disk_in_a_project_run_names_the_output_not_the_hidden_folder(town, tmp_path):
    """``spatial run`` on a full disk named '/data/.2026Q4.0584d74c.partial/results.gpkg', a
    hidden folder that is gone when the user looks: now the results.gpkg of the output folder."""
    project = _project(town, tmp_path)
    done = _spatial_limited(["run", project], tmp_path, 50_000)
    err = done.stderr.strip()
    assert done.returncode == 2, err
    assert err.splitlines()[-1].startswith(f"spatial run: error: cannot write '{tmp_path / 'out' / 'results.gpkg'}'"
                                           ": File too large"), err
    assert ".partial" not in err and "sqlite3_exec" not in err, err
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_a_full_disk_while_the_qgis_styles_are_stored_is_an_error_of_the_disk(town, tmp_path, capsys, monkeypatch):
    """The layers' QGIS styles are stored by SQLite itself after GDAL's layers: a full disk there
    ended ``spatial coverage`` in 'internal error: OperationalError: disk I/O error (rerun with
    -v ... and report it)', exit 1. Now exit 2, the output named and the disk said full."""
    import spatial.io.writers as writers

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(writers, "write_styles", full)
    out = tmp_path / "cov.gpkg"
    code = main(["coverage", str(town["roads"]), str(town["stations"]), str(town["units"]), "--out", str(out),
                 "--no-isochrones"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"spatial coverage: error: cannot write '{out}': No space left on device" in err, err
    assert "internal error" not in err and not out.exists() and _leftovers(tmp_path) == []


def test_a_kmz_cut_short_by_a_full_disk_is_an_error_of_the_disk(town, tmp_path, capsys, monkeypatch):
    """LIBKML says nothing when the disk fills: the KML it leaves is cut short, and reading it
    back to name the folders ended ``spatial grids --kml`` in 'internal error: ParseError:
    unclosed token: line 8570, column 12', exit 1. Now exit 2: cannot write 'g.kmz': No space
    left on device, and neither output is written."""
    real = pyogrio.write_dataframe

    def cut_short(df, path, **kw):
        real(df, path, **kw)
        if kw.get("driver") == "LIBKML":
            data = Path(path).read_bytes()
            Path(path).write_bytes(data[: len(data) // 2])

    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(pyogrio, "write_dataframe", cut_short)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: Usage(10**9, 10**9, 0))
    out, kmz = tmp_path / "g.gpkg", tmp_path / "g.kmz"
    code = main(_grids(town, out, "--kml", kmz))
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"spatial grids: error: cannot write '{kmz}': No space left on device" in err, err
    assert not out.exists() and not kmz.exists() and _leftovers(tmp_path) == []


def test_a_geopackage_gdal_refuses_for_another_reason_is_told_without_its_sql(tmp_path):
    """A write GDAL refuses for a reason other than the disk keeps GDAL's reason, not the SQL
    statement it quotes before it."""
    from spatial.core.atomic import driver_error

    exc = RuntimeError("sqlite3_exec(INSERT INTO grids (fid, grid_id) VALUES (1, 'C01-01')) failed: "
                       "UNIQUE constraint failed: grids.fid")
    text = str(driver_error(tmp_path / ".g.gpkg.1a2b3c4d.partial.gpkg", exc, layer="grids"))
    assert text == f"cannot write layer 'grids' to '{tmp_path / 'g.gpkg'}': UNIQUE constraint failed: grids.fid"


# --------------------------------------------------- 2: the reader of the output goes away


def test_a_run_whose_output_reader_has_gone_still_writes_its_results(town, tmp_path):
    """``spatial run p.toml | head -1`` (or a log viewer closed) ended the run at its second
    line: "cannot write 'out': Broken pipe; nothing was written there (choose another folder, or
    free some space)", exit 2 and no results, blaming a folder that was fine. The lines left
    unread are now left unsaid and the run writes its results (its lines are in run_log.json)."""
    project = _project(town, tmp_path)
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line
    try:
        done = subprocess.run([sys.executable, "-m", "spatial", "run", str(project)], cwd=tmp_path, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=300,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert (tmp_path / "out" / "run_log.json").is_file() and (tmp_path / "out" / "results.gpkg").is_file()


# ------------------------------------------------------ 3: the same command twice, the same files


def test_a_map_drawn_twice_from_the_same_plan_is_the_same_file(town, tmp_path):
    """Two runs of one project gave maps that differed on every id folium draws at random
    (``map_bd07f535...`` against ``map_83262de2...``, 36 places in overview.html): a rerun looked
    changed where nothing was, and no checksum held. Now the same layers give the same bytes."""
    plan = tmp_path / "g.gpkg"
    assert main(["-q", *_grids(town, plan)]) == 0
    pages = []
    for name in ("a.html", "b.html"):
        assert main(["-q", "map", "--grids", str(plan), "--out", str(tmp_path / name)]) == 0
        pages.append((tmp_path / name).read_bytes())
    assert pages[0] == pages[1]
    assert b"L.map(" in pages[0]  # a map, whose ids were the ones drawn at random


def test_a_kmz_written_twice_from_the_same_plan_is_the_same_file(town, tmp_path, monkeypatch):
    """A KMZ carried the time its doc.kml was written: two runs a day apart differed though the
    placemarks were the same. It is now dated as ZIP's epoch."""
    import time
    import zipfile

    first, second = tmp_path / "a.kmz", tmp_path / "b.kmz"
    assert main(["-q", *_grids(town, tmp_path / "a.gpkg", "--kml", first)]) == 0
    later = time.struct_time((2031, 5, 6, 7, 8, 10, 1, 126, 0))  # as the clock reads the next time
    monkeypatch.setattr(time, "localtime", lambda *args: later)
    assert main(["-q", *_grids(town, tmp_path / "b.gpkg", "--kml", second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(second) as kmz:
        assert kmz.namelist() == ["doc.kml"] and b"<Placemark" in kmz.read("doc.kml")


# ------------------------------------------- 4: a stop while the outputs are moved into place


def _coverage(town, out_dir: Path) -> list[str]:
    return ["coverage", str(town["roads"]), str(town["stations"]), str(town["units"]), "--no-isochrones",
            "--out", str(out_dir / "cov.gpkg"), "--kml", str(out_dir / "cov.kmz")]


def _inodes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in folder.iterdir()}


def test_ctrl_c_while_the_outputs_are_synced_to_disk_leaves_every_earlier_output(town, tmp_path, monkeypatch, capsys):
    """Each output was synced to disk and moved in turn: on a USB stick or a network drive, where
    syncing takes seconds, a Ctrl-C while the second was synced left cov.kmz of the new run beside
    cov.gpkg and the summaries of the earlier one, and said "no output was written (earlier
    outputs are unchanged)". Every output is now synced before the first is moved."""
    import spatial.core.atomic as atomic

    out_dir = tmp_path / "out"
    assert main(["-q", *_coverage(town, out_dir), "--speed-kmh", "3"]) == 0
    before, inodes = _snapshot(out_dir), _inodes(out_dir)
    assert {"cov.gpkg", "cov_summary.csv", "cov_summary.xlsx", "cov.kmz"} <= set(before)
    synced = []

    def slow_drive(path):
        if Path(path).name.count(".partial") == 1:  # an output's, not a layer's into its temporary file
            synced.append(path)
            if len(synced) == 2:
                raise KeyboardInterrupt  # the user gives up waiting
        real(path)

    real = atomic._fsync
    monkeypatch.setattr(atomic, "_fsync", slow_drive)
    code = main(_coverage(town, out_dir))
    err = capsys.readouterr().err
    assert code == 130 and "interrupted; no output was written (earlier outputs are unchanged)" in err, err
    assert _snapshot(out_dir) == before and _inodes(out_dir) == inodes
    assert _leftovers(tmp_path) == []



@contextlib.contextmanager
def _ctrl_c_raises():
    """Ctrl-C raising KeyboardInterrupt in this process, as in a terminal or a notebook, whatever
    an earlier test of this worker process left (one full run in five met it ignored here)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)

def test_ctrl_c_while_the_outputs_are_moved_lands_after_the_last_and_says_so(town, tmp_path, monkeypatch, capsys):
    """A Ctrl-C between two outputs being moved into place left some of each run and said that
    nothing was written. It now lands once all are in place, and the message says they were."""
    import spatial.core.atomic as atomic

    out_dir = tmp_path / "out"
    assert main(["-q", *_coverage(town, out_dir), "--speed-kmh", "3"]) == 0
    inodes = _inodes(out_dir)
    moved = []

    def ctrl_c_after_the_first(src, target):
        real(src, target)
        if not target.name.startswith("."):  # an output, not a layer into its temporary file
            moved.append(target)
            if len(moved) == 1:
                signal.raise_signal(signal.SIGINT)  # on this thread, as the terminal's Ctrl-C lands

    real = atomic._replace
    monkeypatch.setattr(atomic, "_replace", ctrl_c_after_the_first)
    with _ctrl_c_raises():
        code = main(_coverage(town, out_dir))
    err = capsys.readouterr().err.strip()
    assert code == 130, err
    assert re.fullmatch(rf"spatial coverage: interrupted after writing {re.escape(str(out_dir))}/cov\.kmz, .* more "
                        r"\(each whole\)", err), err
    assert len(moved) == len(inodes)
    assert all(_inodes(out_dir)[name] != inode for name, inode in inodes.items())  # every one replaced
    assert _leftovers(tmp_path) == []


# ----------------------------------------------------- 5: a shapefile written over an earlier one


def _stations(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station_id": [f"S{k}" for k in range(n)], "名称": [f"站{k}" for k in range(n)]},
                            geometry=[Point(X0 + 100 * k, Y0) for k in range(n)], crs=UTM)


def test_a_shapefile_written_over_one_qgis_indexed_leaves_no_stale_index(tmp_path):
    """QGIS (Create Spatial Index) and ArcGIS leave a .qix or .sbn/.sbx beside a shapefile, and
    a style as .qml; writing a new shapefile at that path from a notebook kept them, and QGIS
    then looked the new features up in the old index (and drew them in the old style). They now
    go with the shapefile they belonged to."""
    from spatial.io.layers import read_layer, write_shapefile

    shp = tmp_path / "stations.shp"
    write_shapefile(_stations(5), shp)
    for part in (".qix", ".sbn", ".sbx", ".qml"):
        shp.with_suffix(part).write_bytes(b"made for the five old stations")
    write_shapefile(_stations(3), shp)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stations.cpg", "stations.dbf", "stations.fields.csv",
                                                        "stations.prj", "stations.shp", "stations.shx"]
    assert read_layer(shp)["station_id"].tolist() == ["S0", "S1", "S2"]


def test_ctrl_c_while_a_shapefiles_parts_are_moved_leaves_no_mix_of_two(tmp_path, monkeypatch):
    """A shapefile's parts were moved into place one by one: a Ctrl-C in a notebook between two
    left the new .cpg beside the old .dbf, .shx and .shp (and a process killed meanwhile left a
    hidden '.stations.shp.4711.partial' folder, named by its process id, that no later write
    removed). The parts now move together, through the one atomic writer the other formats use."""
    from spatial.io.layers import read_layer, write_shapefile

    shp = tmp_path / "stations.shp"
    write_shapefile(_stations(5), shp)
    real, moved = os.replace, []

    def ctrl_c_after_the_first(src, dst):
        real(src, dst)
        moved.append(dst)
        if len(moved) == 1:
            signal.raise_signal(signal.SIGINT)  # on this thread, as the terminal's Ctrl-C lands

    monkeypatch.setattr(os, "replace", ctrl_c_after_the_first)
    with _ctrl_c_raises(), pytest.raises(KeyboardInterrupt):
        write_shapefile(_stations(3), shp)
    monkeypatch.undo()
    assert len(moved) == 6  # .cpg .dbf .fields.csv .prj .shx, then .shp
    assert read_layer(shp)["station_id"].tolist() == ["S0", "S1", "S2"]
    assert _leftovers(tmp_path) == []


# ------------------------------------------------ 6: an output made read-only, or open elsewhere


def test_an_output_made_read_only_to_keep_it_is_not_replaced(town, tmp_path, capsys):
    """A planner made the approved plan read-only (属性 → 只读, chmod a-w) to keep it; ``spatial
    grids --out plan.gpkg`` replaced it all the same on Linux (a rename needs only the folder),
    leaving a writable file with the new plan, and on Windows said 'permission denied ... choose
    another folder, one you may write in' of a folder the user could write in. Now refused, in
    one line saying the file is read-only, before any work."""
    plan = tmp_path / "plan.gpkg"
    assert main(["-q", *_grids(town, plan)]) == 0
    plan.chmod(0o444)
    before = plan.read_bytes()
    try:
        code = main(_grids(town, plan, "--min", "150"))
        err = capsys.readouterr().err.strip()
        assert code == 2, err
        assert err == (f"spatial grids: error: --out '{plan}' is read-only; make it writable to replace it (it was "
                       "kept as it is), or choose another name")
        assert plan.read_bytes() == before and not plan.stat().st_mode & 0o222
    finally:
        plan.chmod(0o644)
    assert _leftovers(tmp_path) == []


def test_an_output_open_in_another_program_is_named_as_such(tmp_path, monkeypatch):
    """Windows refuses to replace a workbook open in Excel or WPS (a sharing violation, errno
    EACCES): the message sent the user to 'choose another folder, one you may write in' though the
    folder was fine. It now asks whether the file is open elsewhere."""
    import errno

    import spatial.core.atomic as atomic
    from spatial.core.atomic import _write_error

    monkeypatch.setattr(atomic, "_LOCKING", True)  # as on Windows
    book = tmp_path / "cov_summary.xlsx"
    book.write_bytes(b"the workbook open in Excel")
    locked = PermissionError(errno.EACCES, "The process cannot access the file because it is being used by another "
                                           "process")
    text = str(_write_error(tmp_path / ".cov_summary.xlsx.4009ccda.partial.xlsx", locked))
    assert text.startswith(f"cannot write '{book}': permission denied; nothing was written there (is it open in "
                           "another program, such as Excel, WPS or QGIS? close it there")
    assert "another folder" not in text


# -------------------------------------------- 7: what a killed command leaves, and the next run


_KILLED_WHILE_WRITING = """
import sys, time, pyogrio
real = pyogrio.write_dataframe
def write_then_hang(df, path, **kw):
    real(df, path, **kw)
    sys.stderr.write("LAYER WRITTEN\\n")
    sys.stderr.flush()
    time.sleep(120)  # killed here, as the OOM killer or 'kill -9' ends it
pyogrio.write_dataframe = write_then_hang
from spatial.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_the_next_run_removes_every_file_a_killed_one_left(town, tmp_path):
    """A ``spatial coverage`` killed (SIGKILL: the OOM killer, ``timeout -s KILL``, 结束任务) while
    its GeoPackage was written left a hidden '..cov.gpkg.c59514f7.partial.gpkg.908cc8db.partial.gpkg'
    (the layers' own temporary file inside the command's) that the next run never removed, as
    large as the results, one more for every run killed. The next run now removes it too."""
    out = tmp_path / "cov.gpkg"
    args = ["coverage", str(town["roads"]), str(town["stations"]), str(town["units"]), "--no-isochrones",
            "--out", str(out), "--kml", str(tmp_path / "cov.kmz")]
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WHILE_WRITING, *args], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        for line in proc.stderr:
            if "LAYER WRITTEN" in line:
                proc.kill()
                break
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    assert any(name.startswith("..cov.gpkg.") for name in _leftovers(tmp_path))  # what the kill left
    assert main(["-q", *args]) == 0
    assert _leftovers(tmp_path) == []
    assert out.is_file()


# ------------------------------- 8: a run into a folder whose earlier results are open or kept


def test_a_run_into_a_folder_whose_earlier_table_was_made_read_only_keeps_that_run(town, tmp_path, capsys):
    """The earlier run's grids.csv, made read-only to keep it, was replaced by the next run all the
    same. The run is now refused, naming the file, and the folder keeps the earlier run whole."""
    project = _project(town, tmp_path)
    out = tmp_path / "out"
    assert main(["-q", "run", str(project)]) == 0
    (out / "grids.csv").chmod(0o444)
    before = _snapshot(out)
    try:
        code = main(["-q", "run", str(project)])
        err = capsys.readouterr().err.strip()
        assert code == 2, err
        assert err == (f"spatial run: error: cannot write '{out / 'grids.csv'}': it is read-only (make it writable "
                       "to replace it, or choose another name); nothing was written there")
        assert _snapshot(out) == before
    finally:
        (out / "grids.csv").chmod(0o644)
    assert _leftovers(tmp_path) == []


def test_a_run_into_a_folder_whose_earlier_table_is_open_in_excel_keeps_that_run(town, tmp_path, capsys,
                                                                                    monkeypatch):
    """On Windows, the earlier run's grids.csv open in Excel cannot be replaced: the run deleted the
    earlier run_log.json, moved results.gpkg in, stopped at grids.csv and said "cannot write 'out':
    permission denied; nothing was written there (choose another folder ...)" of a folder left with
    neither run whole. Every file is now tried before the first moves; the one open is named."""
    import builtins

    import spatial.core.atomic as atomic

    project = _project(town, tmp_path)
    out = tmp_path / "out"
    assert main(["-q", "run", str(project)]) == 0
    before = _snapshot(out)
    open_in_excel = out / "grids.csv"
    sharing_violation = PermissionError(13, "The process cannot access the file because it is being used by "
                                            "another process")

    def excel_open(file, mode="r", *args, **kwargs):  # Windows refuses to write a file Excel holds
        if Path(file) == open_in_excel and set(mode) & set("wa+"):
            raise sharing_violation
        return builtins.open(file, mode, *args, **kwargs)

    def excel_replace(src, dst):  # ... or to replace it
        if Path(dst) == open_in_excel:
            raise sharing_violation
        real_replace(src, dst)

    real_replace = os.replace
    monkeypatch.setattr(atomic, "_LOCKING", True, raising=False)
    monkeypatch.setattr(atomic, "open", excel_open, raising=False)
    monkeypatch.setattr(os, "replace", excel_replace)
    code = main(["-q", "run", str(project)])
    err = capsys.readouterr().err.strip()
    monkeypatch.undo()
    assert code == 2, err
    assert err.startswith(f"spatial run: error: cannot write '{open_in_excel}': permission denied; nothing was "
                          "written there (is it open in another program, such as Excel"), err
    assert _snapshot(out) == before  # the earlier run whole, its run_log.json with it
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------- 9: a drive mounted read-only


@pytest.mark.skipif(not hasattr(os, "statvfs"), reason="POSIX mount flags")
def test_an_output_folder_on_a_read_only_drive_is_said_so(town, tmp_path, capsys, monkeypatch):
    """An output folder on a write-protected USB stick or a share mounted read-only was refused as
    'permission denied; choose another folder for output folder': the user went to change the
    folder's permissions, which cannot help. The message now says the drive is read-only."""
    project = _project(town, tmp_path)
    drive = tmp_path / "stick"
    drive.mkdir()
    real_statvfs = os.statvfs
    Mount = namedtuple("Mount", "f_flag")
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: not Path(p).is_relative_to(drive))
    monkeypatch.setattr(os, "statvfs", lambda p: Mount(os.ST_RDONLY) if Path(p).is_relative_to(drive)
                        else real_statvfs(p))
    code = main(["run", str(project), "--out", str(drive / "2026Q4")])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err == (f"spatial run: error: cannot write in '{drive}{os.sep}': the drive is read-only; choose another "
                   "output folder (one you may write in)")


# ------------------------------------------------------- 10: Ctrl-C in a run on a LocalCluster


def test_ctrl_c_reaches_the_run_not_its_dask_workers(tmp_path):
    """A terminal sends Ctrl-C to every process of the job: in ``spatial run --scheduler local``
    each Dask worker printed the tracebacks of its interrupted event loop (60 to 90 lines of
    KeyboardInterrupt and CancelledError) before the run's one line. The workers of the cluster
    the run starts now leave Ctrl-C to the run, which closes them."""
    pytest.importorskip("distributed")
    import time

    from spatial.project.distributed import make_client

    client = make_client("local", n_workers=1, memory_limit="1GiB")
    try:
        (before,) = client.run(os.getpid).values()
        os.kill(before, signal.SIGINT)  # as the terminal sends it to the worker too
        time.sleep(1.0)  # for a worker that would stop on it to have stopped
        after = list(client.run(os.getpid).values())
    finally:
        client.close()
    assert after == [before]
