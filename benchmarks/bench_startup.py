"""Start-up time of ``import spatial`` and of the ``spatial`` command: help, and small real runs.

Run ``.venv/bin/python -m benchmarks.bench_startup`` (7 runs of each case, median) or ``--quick``
(3 runs; of the real runs only grids, coverage, editor and map). Each case is a fresh
``python`` process; its wall time and CPU time (user + system of the child, which a loaded
machine changes less than the wall time) are measured, and one more run with ``-X importtime``
names the heavy packages it loaded and the sum of its import times. The real runs use the demo
data in ``data/`` (1,866 units, 17 stations, the Futian walking network) in a temporary folder.

Targets (CPU seconds, median): ``import spatial`` under ``TARGET_IMPORT_CPU_S`` and ``spatial
--help`` (and every command's ``--help``) under ``TARGET_HELP_CPU_S``: neither loads geopandas,
pandas, numpy, scipy, folium or osmnx (``tests/test_architecture.py`` checks that, not the time).
On two cores at load 7-8, median of 5, main -> now: ``import spatial`` 0.71 -> 0.04 s CPU (1.33
-> 0.04 s wall); ``spatial --help`` 0.73 -> 0.06 s CPU (1.65 -> 0.06 s wall); each command's
``--help`` 0.62-0.77 -> 0.06-0.07 s CPU; the editor on the demo plan 2.06 -> 1.60 s CPU (2.99 ->
1.66 s wall: no folium, branca, jinja2, requests nor scipy.spatial); the map of the demo's grids
and coverage 2.05 -> 1.76 s CPU (no walking-network modules, no scipy). The coverage and site
runs still spend about 1 s importing osmnx (with scikit-learn, matplotlib and rasterio, which
osmnx imports whole) to read the ``.graphml``; grids, merge and site need scipy.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
#: ``import spatial``: the errors, the version and the lazy table, nothing heavy (CPU s, median).
TARGET_IMPORT_CPU_S = 0.15
#: ``spatial --help`` and each command's ``--help``: argparse and the command modules (CPU s).
TARGET_HELP_CPU_S = 0.25
#: Packages named in the report when a case loads them.
HEAVY = ("geopandas", "pandas", "numpy", "shapely", "pyproj", "pyogrio", "pyarrow", "scipy", "folium", "branca",
         "jinja2", "requests", "osmnx", "networkx", "sklearn", "matplotlib", "rasterio", "pymetis", "highspy",
         "openpyxl", "selenium", "dask", "osmium")
COMMANDS = ("demo", "grids", "merge", "coverage", "map", "screenshot", "site", "run", "editor")


def cases(tmp: Path, *, quick: bool) -> list[tuple[str, list[str], str | None]]:
    """``(name, python arguments, target kind)``: the import and help cases, then the real runs
    (each run's inputs are written by the runs before it)."""
    gpkg, graph = DATA / "demo.gpkg", DATA / "futian_walk.graphml"
    out = [("import spatial", ["-c", "import spatial"], "import"),
           ("spatial --help", ["-m", "spatial", "--help"], "help")]
    out += [(f"spatial {c} --help", ["-m", "spatial", c, "--help"], "help") for c in COMMANDS]
    grids, cov = tmp / "grids.gpkg", tmp / "cov.gpkg"
    runs = [
        ("grids (demo)", ["grids", f"{gpkg}:communities", f"{gpkg}:units", "--out", str(grids)]),
        ("coverage (demo)", ["coverage", str(graph), f"{gpkg}:stations", f"{gpkg}:units", "--out", str(cov)]),
        ("editor (demo)", ["editor", str(grids), "--communities", f"{gpkg}:communities",
                           "--out", str(tmp / "editor.html")]),
        ("map (demo)", ["map", "--grids", str(grids), "--coverage", str(cov), "--out", str(tmp / "map.html")]),
        ("merge (demo)", ["merge", f"{gpkg}:communities", f"a={grids}:grids", f"b={grids}:grids",
                          "--out", str(tmp / "merge.gpkg")]),
        ("site (demo)", ["site", str(graph), f"{gpkg}:stations", f"{gpkg}:units", "--k", "2",
                         "--out", str(tmp / "site.gpkg")]),
    ]
    if quick:
        runs = [r for r in runs if r[0].split()[0] in ("grids", "coverage", "editor", "map")]
    out += [(name, ["-m", "spatial", "-q", *args], None) for name, args in runs]
    return out


def run_once(args: list[str], *, importtime: bool = False) -> tuple[float, float, str]:
    """Wall and CPU seconds of one ``python args`` process, and its stderr."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *(["-X", "importtime"] if importtime else []), *args],
                          capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"python {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def imports(stderr: str) -> tuple[float, list[str]]:
    """The sum of the import times in ``-X importtime`` output (s) and the heavy packages loaded."""
    total, loaded = 0, set()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.split(":", 1)[1].split("|")
        total += int(own)
        loaded.add(name.strip().split(".")[0])
    return total / 1e6, [h for h in HEAVY if h in loaded]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs; of the real runs only grids, coverage, editor, map")
    parser.add_argument("--runs", type=int, default=None, help="runs of each case (default 7, --quick 3)")
    args = parser.parse_args(argv)
    n = args.runs or (3 if args.quick else 7)
    with tempfile.TemporaryDirectory() as tmp:
        for name, py_args, target in cases(Path(tmp), quick=args.quick):
            walls, cpus = zip(*[run_once(py_args)[:2] for _ in range(n)])
            imported, heavy = imports(run_once(py_args, importtime=True)[2])
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            line = (f"{name:26s} wall {wall:5.2f} s  CPU {cpu:5.2f} s  (median of {n}; imports {imported:4.2f} s) "
                    f"loads: {', '.join(heavy) or 'none of the heavy packages'}")
            if target:
                limit = TARGET_IMPORT_CPU_S if target == "import" else TARGET_HELP_CPU_S
                line += f" [target {limit:g} s CPU: {'met' if cpu <= limit else 'over'}]"
            print(line, flush=True)


if __name__ == "__main__":
    main()
