"""Shared fixtures: paths to the real OSM networks and small hand-made layers."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
TEST_DATA = REPO / "tests" / "data"
#: A project file's [inputs] for the embedded demo (network, communities, units, stations).
DEMO_INPUTS = f"""[inputs]
network = "{DATA / 'futian_walk.graphml'}"
communities = {{ path = "{DATA / 'demo.gpkg'}", layer = "communities" }}
units = {{ path = "{DATA / 'demo.gpkg'}", layer = "units" }}
stations = {{ path = "{DATA / 'demo.gpkg'}", layer = "stations" }}
"""


#: The test files that take longest, heaviest first (seconds of a whole-suite run on 2 cores, December
#: 2026). pytest-xdist hands whole files to its workers in the order collected (``--dist loadfile
#: --no-loadscope-reorder`` in pyproject.toml; its default order, most tests first, sent these
#: files of few long tests last, one of them running alone at the end while the other core had
#: nothing left): they go first, the rest keep their order after them. A name no longer in tests/
#: is left out; a file missing here only starts later.
HEAVY_FIRST = (
    "test_run_readme.py", "test_grids_workers.py", "test_outside_run.py", "test_docstrings.py",
    "test_outside_hint_maps.py", "test_redraw.py", "test_maps_browser.py", "test_grids.py",
    "test_outside_install.py", "test_outside_net2.py", "test_notebooks.py", "test_run_distributed.py",
    "test_outside_docs.py", "test_real_footprints.py", "test_coord_shift.py", "test_cli_refusals.py",
    "test_distributed.py", "test_bench_scores.py", "test_outside_editor.py", "test_outside_buildings.py",
    "test_outside_agree.py", "test_dask_station_reasons.py", "test_outside_officials4.py",
    "test_outside_band_islands.py", "test_city_scale.py", "test_ctrl_c_dask_start.py", "test_outside_ends.py",
    "test_outside_pieces.py", "test_buildings_estates.py", "test_outside_editor4.py", "test_grids_anneal.py",
    "test_four_bounds.py", "test_dask_walls.py", "test_hill_town_run.py", "test_outside_screens.py",
    "test_outside_maps.py",
)


def pytest_collection_modifyitems(config, items):
    """The files of :data:`HEAVY_FIRST` first, heaviest first; each file's tests stay together in order."""
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def futian_graphml() -> Path:
    """Real OSM walking network of part of Futian, Shenzhen (embedded demo data)."""
    path = DATA / "futian_walk.graphml"
    assert path.exists(), f"{path} is missing: the demo data must be in the repo"
    return path


@pytest.fixture(scope="session")
def huangpu_osm() -> Path:
    """Real OSM XML of People's Square, Shanghai (drivable roads)."""
    path = TEST_DATA / "huangpu_drive.osm"
    assert path.exists(), f"{path} is missing"
    return path


def _demo_folder(tmp_path_factory) -> Path:
    """The folder every worker of this session shares (above each worker's own, not other sessions')."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def _start_demo(root: Path) -> None:
    """Start ``python -m spatial -q demo`` into ``root/demo_outputs`` in the background, once a session.

    The first worker to get here starts it under a file lock; the others find it started. A thread of
    that worker waits for it and writes its exit code to ``demo_outputs.rc`` (the sign it is done).
    """
    lock_path, started = root / "demo_outputs.lock", root / "demo_outputs.started"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if started.exists():
            return
        out, rc = root / "demo_outputs", root / "demo_outputs.rc"
        log = open(root / "demo_outputs.log", "wb")  # noqa: SIM115  (closed by the thread below)
        proc = subprocess.Popen([sys.executable, "-W", "error", "-m", "spatial", "-q", "demo", "--out", str(out)],
                                stdout=log, stderr=subprocess.STDOUT, cwd=root)
        started.write_text(str(proc.pid))

        def wait() -> None:
            code = proc.wait()
            log.close()
            tmp = rc.with_suffix(".rc.partial")
            tmp.write_text(str(code))
            tmp.replace(rc)

        threading.Thread(target=wait, name="spatial-demo", daemon=True).start()
        _DEMO_RUNS.append(proc)


_DEMO_RUNS: list[subprocess.Popen] = []


@pytest.fixture(scope="session", autouse=True)
def _demo_in_the_background(request, tmp_path_factory):
    """The session's one ``spatial demo`` run starts with its first test, beside the tests, when any
    collected test reads :func:`demo_outputs`: the workers go on with other files while it runs
    instead of one of them running it while another waits for it, a core idle."""
    if any("demo_outputs" in getattr(item, "fixturenames", ()) for item in request.session.items):
        _start_demo(_demo_folder(tmp_path_factory))
    yield
    for proc in _DEMO_RUNS:  # started here: not left running after the session (it has its thread)
        proc.wait()


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory) -> list[Path]:
    """Every file ``spatial demo`` writes, run once per session through the command line.

    Once for the whole session, not once per test worker, and in the background from the session's
    first test (:func:`_demo_in_the_background`); a test asking for it before it is done waits for it.
    The files are shared: a test reads them and writes anything it changes elsewhere (its own
    ``tmp_path``).
    """
    root = _demo_folder(tmp_path_factory)
    _start_demo(root)  # (started already unless this test was not collected at the session's start)
    rc, pid = root / "demo_outputs.rc", int((root / "demo_outputs.started").read_text())
    gone = 0
    for _ in range(18_000):  # 30 minutes
        if rc.exists():
            break
        try:
            os.kill(pid, 0)
        except ProcessLookupError:  # ended: its exit code follows, unless the worker that waited for it died
            gone += 1
            if gone > 100:
                pytest.fail(f"spatial demo stopped without an exit code; its output: {root / 'demo_outputs.log'}")
        time.sleep(0.1)
    else:
        pytest.fail(f"spatial demo did not finish in 30 minutes; its output: {root / 'demo_outputs.log'}")
    log = (root / "demo_outputs.log").read_text(encoding="utf-8", errors="replace")
    assert rc.read_text() == "0", f"spatial demo failed (exit {rc.read_text()}):\n{log}"
    return sorted(p for p in (root / "demo_outputs").rglob("*") if p.is_file())


CHROMEDRIVER = "/usr/bin/chromedriver"


def ensure_chromium() -> bool:
    """Install Debian's chromium and chromium-driver if they are missing (once, under a file lock,
    so that test workers running side by side do not both call apt-get); True when they are there."""
    if Path(CHROMEDRIVER).exists() or shutil.which("chromedriver"):
        return True
    if not shutil.which("apt-get"):
        return False
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver",
               "fonts-wqy-microhei"]
    with open(Path(tempfile.gettempdir()) / "spatial-tests-chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be installing: wait for it
        if not Path(CHROMEDRIVER).exists():
            if subprocess.run(install, capture_output=True, timeout=900, check=False).returncode != 0:
                subprocess.run(["apt-get", "update"], capture_output=True, timeout=600, check=False)
                subprocess.run(install, capture_output=True, timeout=900, check=False)
    return Path(CHROMEDRIVER).exists()


def headless_chromium(*args: str, prefs: dict | None = None):
    """Headless Chromium offline (every host name resolving to nothing), with more ``args`` and
    ``prefs``; the test is skipped when Chromium cannot be had."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not ensure_chromium():
        pytest.skip("chromedriver is missing and 'apt-get install chromium chromium-driver' failed")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND", *args):
        options.add_argument(arg)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
