"""Bad files as planners bring them: a refusal is one line on stderr (exit 2) naming the file,
the column and the row, with nothing said before it about the rows that were fine; whatever a
run leaves out is said on the console, not only in the report layer."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from spatial.cli import main
from spatial.core import checks
from spatial.core.errors import ColumnError

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
CELLS = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]


def _files(tmp_path, households, *, far=None):
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    comm.to_file(tmp_path / "comm.gpkg")
    geoms = list(CELLS)
    if far is not None:  # one unit moved far off its community, as a wrong coordinate puts it
        geoms[far] = box(X0 + 30_000, Y0 + 20_000, X0 + 30_100, Y0 + 20_100)
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": households,
                              "community_id": ["C1"] * 8}, geometry=geoms, crs=UTM)
    units.to_file(tmp_path / "units.gpkg")
    return tmp_path / "comm.gpkg", tmp_path / "units.gpkg"


def test_households_refused_for_one_cell_are_said_in_one_line_without_the_cells_read_as_text(tmp_path, capsys):
    """'100户' in seven rows and '约120户' in one: the refusal of U7 came after a warning that seven
    values written as text were read as counts, two lines for one error."""
    checks._SAID.clear()
    comm, units = _files(tmp_path, ["100户"] * 7 + ["约120户"])
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(comm), str(units), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("spatial grids: error: 'units.gpkg' column 'households' must be a number >= 0")
    assert "U7='约120户'" in err[0] and "Fill in the count" in err[0]
    assert not out.exists()


def test_check_households_says_text_read_as_counts_only_once_the_column_passes(caplog):
    checks._SAID.clear()
    bad = pd.DataFrame({"unit_id": ["a", "b", "c"], "户数": ["120户", "90户", "-5户"]})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        with pytest.raises(ColumnError, match=r"'units.csv' column '户数' must be a number >= 0 .*c='-5户'"):
            checks.check_households(bad, "户数", "units.csv")
    assert "written as text" not in caplog.text
    good = pd.DataFrame({"unit_id": ["a", "b"], "户数": ["120户", 90]})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        assert checks.check_households(good, "户数", "units.csv").tolist() == [120.0, 90.0]
    # one value: 'value', not '1 values'
    assert "'units.csv' column '户数': 1 value written as text read as counts ('120户' as 120)" in caplog.text


def test_optional_counts_refused_for_one_cell_says_nothing_of_the_others(caplog):
    checks._SAID.clear()
    floors = pd.DataFrame({"floors": ["6层", "七层", None]})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        with pytest.raises(ColumnError, match=r"'buildings' column 'floors' must hold a number >= 0 or be blank; "
                                              r"bad rows: 1='七层'"):
            checks.optional_counts(floors, "floors", "buildings")
    assert "written as text" not in caplog.text


def test_a_unit_left_in_no_grid_is_said_on_the_console_with_its_households(tmp_path, capsys):
    """A unit 36 km off its community (a wrong coordinate) was kept with no grid and one report
    row; the console said only '1 report row', so its 100 households were missed."""
    comm, units = _files(tmp_path, [100] * 8, far=5)
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(comm), str(units), "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    said = [line for line in err if "in no grid" in line]
    assert said == ["spatial: 1 unit (100 households) is in no grid: U5; the report says why (outside every "
                    "community, or none of it inside its own): check the location and the community id"]
    placed = gpd.read_file(out, layer="units")
    assert placed.loc[placed["unit_id"] == "U5", "grid_id"].isna().all()
    assert placed["grid_id"].notna().sum() == 7
    report = gpd.read_file(out, layer="report")
    assert "U5" in set(report.loc[report["layer"] == "units", "row_id"])


def test_no_word_of_units_in_no_grid_when_every_unit_has_one(tmp_path, capsys):
    comm, units = _files(tmp_path, [100] * 8)
    assert main(["grids", str(comm), str(units), "--out", str(tmp_path / "g.gpkg")]) == 0
    assert "in no grid" not in capsys.readouterr().err


FAKE_CHROMIUM = """#!/bin/sh
# a browser that starts a renderer writing in its profile (for some seconds), then waits, as Chromium does
for a in "$@"; do case "$a" in --user-data-dir=*) D="${a#--user-data-dir=}";; esac; done
( n=0; while [ $n -lt 3000 ]; do n=$((n+1)); mkdir -p "$D/r$n" && : > "$D/r$n/f"; [ $n -gt 1 ] || : > "$MARK"
  sleep 0.002; done ) &
wait
"""

#: ``spatial ARGS`` as a terminal starts it: Ctrl-C raises KeyboardInterrupt, whatever this process
#: leaves to its children (a shell's background job, and so a suite run as one, starts with it ignored).
_SPATIAL_AS_IN_A_TERMINAL = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
from spatial.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _fake_chromium(tmp_path):
    import os
    import stat

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "chromium"
    exe.write_text(FAKE_CHROMIUM)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "MARK": str(tmp_path / "started")}


@pytest.mark.skipif(__import__("os").name != "posix", reason="process groups and SIGINT are POSIX's")
def test_ctrl_c_during_a_screenshot_is_said_as_an_interrupt_and_leaves_no_browser_behind(tmp_path):
    """Ctrl-C while Chromium drew ended only its first process: its renderers went on writing in the
    profile folder, whose removal failed, and 'spatial screenshot' said "cannot write 'map.png':
    Directory not empty" (exit 2) instead of the interrupt (exit 130).

    The command runs under Python's own Ctrl-C handler whatever this test's process leaves to it:
    a suite started as a shell's background job (``pytest ... &``), or a worker whose earlier test
    left Ctrl-C ignored, gave it SIGINT ignored (``SIG_IGN`` is inherited through ``exec``, and
    Python then sets no handler), so the Ctrl-C was lost and the browser drew to its end (exit 2,
    "chromium wrote no screenshot", 30 s; twice in full runs at load 13-17)."""
    import signal
    import subprocess
    import sys
    import time

    env = {**_fake_chromium(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    page = tmp_path / "map.html"
    page.write_text("<!DOCTYPE html><html><body>map</body></html>", encoding="utf-8")
    png = tmp_path / "map.png"
    png.write_bytes(b"OLD")
    proc = subprocess.Popen([sys.executable, "-c", _SPATIAL_AS_IN_A_TERMINAL, "screenshot", str(page), str(png)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # until the browser has started (its own word, not a time)
        if (tmp_path / "started").exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert (tmp_path / "started").exists(), proc.communicate()  # (its renderer has written in the profile)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["spatial screenshot: interrupted; no output was written (earlier outputs "
                                        "are unchanged)"]
    assert png.read_bytes() == b"OLD"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(__import__("os").name != "posix", reason="process groups are POSIX's")
def test_a_browser_stopped_by_its_timeout_takes_its_renderers_with_it(tmp_path, monkeypatch):
    import subprocess
    import time

    from spatial.maps.screenshot import _run_all_or_none

    profile = tmp_path / "profile"
    profile.mkdir()
    monkeypatch.setenv("MARK", _fake_chromium(tmp_path)["MARK"])
    with pytest.raises(subprocess.TimeoutExpired):
        _run_all_or_none([str(tmp_path / "bin" / "chromium"), f"--user-data-dir={profile}"], 1.0)
    before = sorted(p.name for p in profile.iterdir())
    assert before  # the renderer wrote ...
    time.sleep(0.3)
    assert sorted(p.name for p in profile.iterdir()) == before  # ... and writes no more


def _browser_run_with_ctrl_c(tmp_path, monkeypatch, *, again: bool = False) -> list[str]:
    """Run the fake browser with the terminal's Ctrl-C landing as ``Popen`` returns (once its
    renderer writes), and if ``again`` once more as its process group is being ended; return what
    the renderer had written in the profile when the run ended (after checking it writes no more)."""
    import signal
    import subprocess
    import time

    from spatial.maps import screenshot as shot

    profile = tmp_path / "profile"
    profile.mkdir()
    monkeypatch.setenv("MARK", _fake_chromium(tmp_path)["MARK"])

    class CtrlCAsItStarts(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            while not (tmp_path / "started").exists():  # the renderer writes ...
                time.sleep(0.01)
            signal.raise_signal(signal.SIGINT)  # ... and the terminal's Ctrl-C lands, on this thread

    def ctrl_c_again(pgid, **kwargs):
        signal.raise_signal(signal.SIGINT)  # the user presses Ctrl-C twice
        end_group(pgid, **kwargs)

    end_group = shot._end_group
    monkeypatch.setattr(subprocess, "Popen", CtrlCAsItStarts)
    if again:
        monkeypatch.setattr(shot, "_end_group", ctrl_c_again)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # whatever an earlier test left
    try:
        with pytest.raises(KeyboardInterrupt):
            shot._run_all_or_none([str(tmp_path / "bin" / "chromium"), f"--user-data-dir={profile}"], 60)
    finally:
        signal.signal(signal.SIGINT, before)
    written = sorted(p.name for p in profile.iterdir())
    time.sleep(0.3)
    assert sorted(p.name for p in profile.iterdir()) == written  # the renderer writes no more
    return written


@pytest.mark.skipif(__import__("os").name != "posix", reason="process groups and SIGINT are POSIX's")
def test_a_ctrl_c_while_the_browser_starts_ends_it_and_its_renderers(tmp_path, monkeypatch):
    """A Ctrl-C that came while ``Popen`` started the browser (its process running, ``Popen`` not yet
    returned) left the browser and its renderer running, writing in a profile folder already removed."""
    assert _browser_run_with_ctrl_c(tmp_path, monkeypatch)  # (it had written)


@pytest.mark.skipif(__import__("os").name != "posix", reason="process groups and SIGINT are POSIX's")
def test_a_second_ctrl_c_while_the_browser_is_ended_leaves_no_renderer_behind(tmp_path, monkeypatch):
    assert _browser_run_with_ctrl_c(tmp_path, monkeypatch, again=True)


@pytest.mark.skipif(__import__("os").name != "posix", reason="a shell script stands for the browser")
def test_a_browser_that_never_finishes_is_said_in_one_line_not_as_an_internal_error(tmp_path, monkeypatch):
    """A browser stuck past the time limit raised subprocess.TimeoutExpired, which the command
    line said as 'internal error ... report it' (exit 1)."""
    from spatial.core.errors import SpatialError
    from spatial.maps.screenshot import run_chromium

    env = _fake_chromium(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.setenv("MARK", env["MARK"])
    page = tmp_path / "map.html"
    page.write_text("<!DOCTYPE html><html><body>map</body></html>", encoding="utf-8")
    with pytest.raises(SpatialError, match=r"chromium did not finish drawing '.*map.html' in 1 s \(the browser "
                                           r"and its helpers were ended\); try again"):
        run_chromium(page, ["--dump-dom"], timeout_s=1)
