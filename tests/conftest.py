"""Shared fixtures: paths to the real OSM networks and small hand-made layers."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
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


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory) -> list[Path]:
    """Every file ``spatial demo`` writes, run once per session through the command line.

    Once for the whole session, not once per test worker: the first worker to ask runs it under a
    file lock in the folder the session's workers share, the others wait and read what it wrote
    (pytest-xdist's pattern for a session-wide fixture). The files are shared: a test reads them
    and writes anything it changes elsewhere (its own ``tmp_path``).
    """
    from spatial.cli import main

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # this session's folder, above each worker's own (not other sessions')
    out, done = root / "demo_outputs", root / "demo_outputs.done"
    with open(root / "demo_outputs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be running the demo: wait for it
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)  # left half-written by a worker whose run failed
            assert main(["-q", "demo", "--out", str(out)]) == 0
            done.touch()
    return sorted(p for p in out.rglob("*") if p.is_file())


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
