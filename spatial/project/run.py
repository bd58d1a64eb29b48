"""Run a whole project (read, validate, grids, coverage, siting, outputs) with a traceable run log."""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from spatial.core.checks import Report
from spatial.project.config import Project, load_project

__all__ = ["RunResult", "run_project"]

logger = logging.getLogger(__name__)

_VERSIONED = ("spatial", "geopandas", "shapely", "pyproj", "pyogrio", "osmnx", "networkx", "scipy",
              "numpy", "pandas", "folium", "momepy")


@dataclass(frozen=True)
class RunResult:
    """What a run wrote and computed."""

    out_dir: Path
    files: list[Path]
    layers: dict[str, Any] = field(repr=False)
    log: dict[str, Any] = field(repr=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in _VERSIONED:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


class _Steps:
    """Times each step into the run log and advances an optional progress bar."""

    def __init__(self, names: list[str], progress: bool):
        self.timings: dict[str, float] = {}
        self.bar = None
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=len(names), desc="spatial run", unit="step")

    @contextmanager
    def step(self, name: str):
        if self.bar is not None:
            self.bar.set_postfix_str(name)
        start = time.perf_counter()
        logger.info("step %s", name)
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_project(
    project: Project | str | Path,
    *,
    out_dir: str | Path | None = None,
    progress: bool = False,
    scheduler: str | None = None,
) -> RunResult:
    """Run every step a project file asks for and write all outputs into one folder.

    Steps: read and validate the inputs; partition each community into grids (or evaluate and
    redraw an existing plan); score walking coverage of every unit, with isochrones, gaps and a
    summary per community and grid; site new stations; write ``results.gpkg``, CSV summaries, an
    Excel workbook, HTML maps, a PNG overview and ``run_log.json`` (inputs' checksums, parameters,
    versions, step timings).

    Parameters
    ----------
    project
        A :class:`~spatial.project.config.Project` or the path of a project TOML file.
    out_dir
        Where to write; defaults to the project's ``[project] output``.
    progress
        Show a progress bar over the steps (the CLI turns it on; the library is silent).
    scheduler
        Run the grid and coverage steps on Dask: ``"local"`` for a ``LocalCluster`` or a
        scheduler address such as ``"tcp://host:8786"``; default: the project's
        ``[distributed] scheduler``, else one process. Results are identical either way; coverage
        then searches up to ``[coverage] max_walk_m`` (default: the largest band).

    Returns
    -------
    RunResult
        The output folder, the files written, the computed layers and the run log.

    Examples
    --------
    >>> import dataclasses, tempfile, spatial
    >>> project = spatial.load_project(spatial.demo_paths()["project"])
    >>> project = dataclasses.replace(project, outputs={**project.outputs, "maps": False, "png": False})
    >>> result = spatial.run_project(project, out_dir=tempfile.mkdtemp())
    >>> sorted(path.name for path in result.files)  # doctest: +NORMALIZE_WHITESPACE
    ['coverage_summary.csv', 'grids.csv', 'results.gpkg', 'run_log.json', 'sites_before_after.csv',
     'summary.xlsx']
    """
    from spatial.project.pipeline import STEP_NAMES, run_steps

    if not isinstance(project, Project):
        project = load_project(project)
    out = Path(out_dir).resolve() if out_dir is not None else project.output
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    steps = _Steps(STEP_NAMES, progress)
    report = Report()
    try:
        layers, files = run_steps(project, out, steps, report,
                                  scheduler=scheduler or project.distributed.get("scheduler"))
    finally:
        steps.close()
    log = {
        "project": project.name,
        "project_file": str(project.source),
        "project_sha256": _sha256(project.source),
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": {name: {"path": str(spec.path), "layer": spec.layer, "sha256": _sha256(spec.path),
                          "options": spec.options}
                   for name, spec in project.inputs.items()},
        "parameters": {"grids": project.grids, "coverage": project.coverage, "siting": project.siting,
                       "outputs": project.outputs},
        "scheduler": scheduler or project.distributed.get("scheduler") or "single process",
        "versions": _versions(),
        "step_seconds": steps.timings,
        "report_rows": len(report),
        "outputs": [str(p.relative_to(out)) for p in files],
    }
    log_path = out / "run_log.json"
    log_path.write_text(json.dumps(log, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    files.append(log_path)
    return RunResult(out_dir=out, files=files, layers=layers, log=log)
