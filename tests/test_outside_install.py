"""Installed as a district office installs it: a wheel (or the sdist) carried onto an intranet
machine, not a git checkout.

The wheel is built here as ``python -m build`` builds it: the sdist first, then the wheel from the
unpacked sdist, with the build backend pyproject.toml names (setuptools, called in a subprocess
without build isolation, so no network is needed). Its files are checked against the checkout,
and the unpacked wheel is then used from an empty folder, as a user would use it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: What the demo reads, with the network's ODbL credit (README.md) and the layers' provenance.
DEMO_FILES = ("demo.gpkg", "futian_walk.graphml", "demo_project.toml", "demo_metadata.json", "README.md")
#: The build-system floor pyproject.toml names (a licence given as an SPDX string needs 77).
SETUPTOOLS_FLOOR = (77,)


def _setuptools_version() -> tuple[int, ...] | None:
    try:
        text = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        return None
    return tuple(int(p) for p in re.findall(r"\d+", text)[:2])


def _backend(call: str, cwd: Path, out: Path) -> Path:
    """Run ``setuptools.build_meta.<call>(out)`` in ``cwd`` and return the file it built."""
    code = f"import sys; from setuptools import build_meta; print(build_meta.{call}(sys.argv[1]))"
    run = subprocess.run([sys.executable, "-c", code, str(out)], cwd=cwd, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return out / run.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist, the wheel built from it, and the wheel unpacked (as pip lays it out)."""
    version = _setuptools_version()
    if version is None or version < SETUPTOOLS_FLOOR:
        pytest.skip(f"the build backend (setuptools >= {SETUPTOOLS_FLOOR[0]}, as pyproject.toml's "
                    f"[build-system] asks) is not installed (found {version}): pip install -e '.[test]'")
    root = tmp_path_factory.mktemp("install")
    src = root / "checkout"  # what a clean checkout holds for the build (no build/, no egg-info)
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("spatial", "data"):
        shutil.copytree(REPO / folder, src / folder, ignore=skip)
    dist = root / "dist"
    dist.mkdir()
    sdist = _backend("build_sdist", src, dist)
    with tarfile.open(sdist) as tar:
        tar.extractall(root / "sdist", filter="data")
    (unpacked_sdist,) = (root / "sdist").iterdir()
    wheel = _backend("build_wheel", unpacked_sdist, dist)
    site = root / "site-packages"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return {"sdist": sdist, "wheel": wheel, "site": site}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_wheel_built_from_the_sdist_carries_the_demo_data_unchanged(built):
    # `spatial demo` and spatial.load_demo() on a machine given only the wheel stopped with "no demo
    # data (demo_project.toml) in data, .../site-packages/data; run from the repository root": the
    # demo data lived in the repository's data/ and was in neither the wheel nor the sdist.
    with zipfile.ZipFile(built["wheel"]) as zf:
        names = set(zf.namelist())
        for name in DEMO_FILES:
            member = f"spatial/datasets/demo_data/{name}"
            assert member in names, f"{member} is not in the wheel"
            assert hashlib.sha256(zf.read(member)).hexdigest() == _sha(REPO / "data" / name), member


def test_the_wheel_holds_every_module_and_map_asset_of_the_checkout(built):
    # Every file the code reads at run time: the modules, and the maps' vendored Leaflet and
    # plug-ins with their LICENSE files (the maps inline them; nothing is fetched from the web).
    with zipfile.ZipFile(built["wheel"]) as zf:
        names = set(zf.namelist())
    wanted = {p.relative_to(REPO).as_posix() for p in (REPO / "spatial").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    missing = sorted(wanted - names)
    assert missing == [], f"not in the wheel: {missing[:10]}"
    licences = {n for n in names if n.startswith("spatial/maps/_assets/") and n.endswith("/LICENSE")}
    assert len(licences) == 4, licences  # leaflet, leaflet-measure, leaflet-search, leaflet.fullscreen


def test_the_wheel_s_version_is_the_one_spatial_reports(built):
    import spatial

    with zipfile.ZipFile(built["wheel"]) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        version = re.search(r"^Version: (.+)$", zf.read(meta).decode(), re.M).group(1).strip()
    assert version == spatial.__version__
    run = subprocess.run([sys.executable, "-m", "spatial", "--version"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(built["site"])}, timeout=120)
    assert run.stdout.strip() == f"spatial {version}"


def _user(built, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """``python ARGS`` with the unpacked wheel ahead of everything else, in an empty folder."""
    env = {**os.environ, "PYTHONPATH": str(built["site"]), "SPATIAL_PROCESSES": "1"}
    return subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=600)


def test_load_demo_reads_the_copy_installed_with_the_package(built, tmp_path):
    code = ("import json, spatial; d = spatial.load_demo(network=False); "
            "print(json.dumps({'module': spatial.__file__, 'project': str(spatial.demo_paths()['project']), "
            "'communities': len(d['communities']), 'units': len(d['units']), 'stations': len(d['stations'])}))")
    run = _user(built, tmp_path, "-c", code)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    site = built["site"].resolve()
    assert Path(got["module"]).resolve().is_relative_to(site)
    assert Path(got["project"]) == site / "spatial" / "datasets" / "demo_data" / "demo_project.toml"
    assert (got["communities"], got["units"], got["stations"]) == (12, 1866, 17)  # data/README.md


def test_spatial_demo_runs_from_an_empty_folder(built, tmp_path):
    run = _user(built, tmp_path, "-m", "spatial", "-q", "demo", "--out", "maps")
    assert run.returncode == 0, run.stderr[-2000:]
    log = json.loads((tmp_path / "maps" / "run_log.json").read_text(encoding="utf-8"))
    assert Path(log["project_file"]).resolve().is_relative_to(built["site"].resolve())
    assert (tmp_path / "maps" / "overview.html").stat().st_size > 100_000


def test_a_demo_folder_without_the_data_is_named_with_what_to_pass(tmp_path, capsys):
    from spatial.cli import main

    (tmp_path / "copy").mkdir()
    assert main(["demo", "--data", str(tmp_path / "copy"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "copy" in err
    assert all(name in err for name in ("demo_project.toml", "demo.gpkg", "futian_walk.graphml")), err
    assert not (tmp_path / "out").exists()


#: Each core dependency's floor and what the code needs from that version (found by installing
#: the floors pyproject.toml allowed, `uv pip install --resolution lowest-direct`, and running
#: `spatial demo`).
FLOORS = {
    # 2.1: (string == label).to_numpy() gave an object array; within_band's `covered |= rows`
    # stopped the demo's coverage summary with a UFuncTypeError (2.2 gives bool)
    "pandas": (2, 2),
    # 2.0, 2.1: shapely.get_parts refused read-only arrays ("buffer source array is read-only"),
    # which the grid step passes; the demo stopped in the grid step
    "shapely": (2, 2),
    # 1.0 imports shapely.geos, deprecated in shapely 2.2: a DeprecationWarning at every import
    "geopandas": (1, 1),
    # before 0.12 the wheels' GDAL has no LIBKML driver: the demo did all its work and then
    # stopped writing results.kmz ("Could not obtain driver: LIBKML")
    "pyogrio": (0, 12),
    # 2025.1 has no pymetis.CSRAdjacency, which the first cut of every grid plan calls
    "pymetis": (2025, 2),
    # before 1.13 setdiag on the grids' cut costs printed a SparseEfficiencyWarning in every run
    "scipy": (1, 13),
}


def _floors() -> dict[str, tuple[int, ...]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out = {}
    for spec in project["dependencies"]:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", spec)
        assert m, f"dependency {spec!r} is not NAME>=VERSION"
        out[m.group(1).lower()] = tuple(int(p) for p in m.group(2).split("."))
    return out


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_dependency_floors_are_versions_the_code_runs_on(name):
    declared = _floors()[name]
    assert declared >= FLOORS[name], f"pyproject.toml allows {name} {declared}; the code needs {FLOORS[name]}"


@pytest.fixture
def gdal_without_libkml(monkeypatch):
    """pyogrio on a GDAL without the LIBKML driver: pyogrio's wheels before 0.12, or conda-forge's
    GDAL without libgdal-kml. Writing with it fails as GDAL fails."""
    import pyogrio
    from pyogrio.errors import DataSourceError

    drivers, write = pyogrio.list_drivers, pyogrio.write_dataframe

    def list_drivers(*args, **kwargs):
        return {k: v for k, v in drivers(*args, **kwargs).items() if k != "LIBKML"}

    def write_dataframe(*args, driver=None, **kwargs):
        if driver == "LIBKML":
            raise DataSourceError("Could not obtain driver: LIBKML (check that it was installed correctly into GDAL)")
        return write(*args, driver=driver, **kwargs)

    monkeypatch.setattr(pyogrio, "list_drivers", list_drivers)
    monkeypatch.setattr(pyogrio, "write_dataframe", write_dataframe)


def test_the_demo_on_a_gdal_without_libkml_stops_before_any_work(gdal_without_libkml, tmp_path, capsys):
    # With pyogrio 0.11 (or conda's GDAL without libgdal-kml) `spatial demo` read, drew grids,
    # walked, sited and then stopped at results.kmz with GDAL's "Could not obtain driver: LIBKML
    # (check that it was installed correctly into GDAL)", writing nothing.
    from spatial.cli import main

    assert main(["demo", "--out", str(tmp_path / "maps")]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no step ran (read, validate, grids ... each print a line)
    assert err.count("\n") == 1 and "results.kmz" in err and "LIBKML" in err, err
    assert "pyogrio>=0.12" in err and "kml = false" in err and "demo_project.toml" in err, err
    assert not (tmp_path / "maps").exists()


def test_grids_with_kml_on_a_gdal_without_libkml_stops_before_reading(gdal_without_libkml, tmp_path, capsys):
    from spatial.cli import main

    gpkg = REPO / "data" / "demo.gpkg"
    args = ["grids", f"{gpkg}:communities", f"{gpkg}:units", "--out", str(tmp_path / "g.gpkg"),
            "--kml", str(tmp_path / "g.kmz")]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "g.kmz" in err and "leave --kml out" in err, err
    assert sorted(tmp_path.iterdir()) == []


def test_write_kml_on_a_gdal_without_libkml_says_what_to_install(gdal_without_libkml, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    import spatial

    pts = gpd.GeoDataFrame({"name": ["站"]}, geometry=[Point(114.0, 22.5)], crs=4326)
    with pytest.raises(spatial.SpatialError, match=r"no LIBKML driver.*pip install --force-reinstall 'pyogrio>=0\.12'"):
        spatial.write_kml({"stations": pts}, tmp_path / "s.kmz")
    assert sorted(tmp_path.iterdir()) == []


def test_every_module_imports_where_unix_only_modules_are_missing():
    # The wheel is py3-none-any, and intranet machines often run Windows, which has no `resource`
    # or `fcntl`: `spatial run --scheduler local` stopped at `import resource` in the module that
    # splits a province into parts ("internal error: No module named 'resource'").
    code = """if True:
        import sys
        for name in ("resource", "fcntl", "termios", "pwd", "grp"):
            sys.modules[name] = None  # `import name` raises ImportError, as on Windows
        import importlib, pkgutil, spatial
        from spatial.project._split import peak_rss_mb
        names = [m.name for m in pkgutil.walk_packages(spatial.__path__, "spatial.") if not m.name.endswith("__main__")]
        for name in names:
            importlib.import_module(name)
        assert peak_rss_mb() > 0
        print(len(names))
    """
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.strip()) > 100


def _dist_name(spec: str) -> str:
    """``"dask[distributed]>=2024.4"`` -> ``"dask"`` (PEP 503's normal form)."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", spec).group(0)).lower()


def test_every_third_party_module_the_code_imports_is_a_declared_dependency():
    # branca (maps), PIL (screenshots) and affine (DEMs) were imported but not declared: present
    # only because folium, matplotlib and rasterio happen to require them today.
    import ast

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_dist_name(s) for s in project["dependencies"]}
    declared |= {_dist_name(s) for specs in project["optional-dependencies"].values() for s in specs}
    owners = metadata.packages_distributions()
    undeclared = {}
    for path in sorted((REPO / "spatial").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for top in {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) - {"spatial"}:
                dists = {_dist_name(d) for d in owners.get(top, [top])}
                if not dists & declared:
                    undeclared.setdefault(top, path.relative_to(REPO).as_posix())
    assert undeclared == {}, f"imported, not in pyproject.toml: {undeclared}"


@pytest.mark.parametrize("var, rel", [("ProgramFiles(x86)", "Microsoft/Edge/Application/msedge.exe"),
                                      ("ProgramFiles", "Google/Chrome/Application/chrome.exe")])
def test_screenshot_finds_edge_or_chrome_where_windows_installs_them(monkeypatch, tmp_path, var, rel):
    # On an office's Windows PC neither Chrome nor Edge is on PATH: `spatial screenshot` said
    # "no chromium binary found; install it with apt-get install chromium".
    from spatial.maps import screenshot

    monkeypatch.setattr(screenshot.shutil, "which", lambda name: None)
    for name in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(var, str(tmp_path))
    exe = tmp_path / rel
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"")
    assert screenshot.find_chromium() == str(exe)


def test_screenshot_without_any_chromium_says_which_browsers_do(monkeypatch, tmp_path):
    import spatial
    from spatial.maps import screenshot

    monkeypatch.setattr(screenshot.shutil, "which", lambda name: None)
    for name in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"):
        monkeypatch.setenv(name, str(tmp_path / "nothing"))
    page = tmp_path / "map.html"
    page.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(spatial.SpatialError, match=r"no Chromium, Chrome or Edge found.*Windows: Chrome or Edge.*PATH"):
        screenshot.screenshot(page, tmp_path / "map.png")
    assert not (tmp_path / "map.png").exists()
