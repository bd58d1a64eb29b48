"""Run a whole project (read, validate, grids, coverage, siting, outputs) with a traceable run log."""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from spatial.core._words import counted
from spatial.core.atomic import atomic_folder, check_output_path
from spatial.core.checks import Report, marked_synthetic
from spatial.core.errors import InputFileError, SpatialError
from spatial.project._headline import figures
from spatial.project._readme import README_NAME, grid_figure, held, redraw_figure, rule_figure, write_readme
from spatial.project.config import Project, load_project

__all__ = ["RunResult", "run_project", "headline", "step_line"]

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
    """Times each step into the run log, advances an optional progress bar and tells ``on_step``
    (name, seconds, the layers so far) as each step ends."""

    def __init__(self, names: list[str], progress: bool, on_step: Callable[[str, float, dict], None] | None = None):
        self.timings: dict[str, float] = {}
        self.read_rows: dict[str, int] = {}  # each input's rows (a network's edges) as read
        self.lines: dict[str, str] = {}  # what each step did, in the words `spatial run` prints
        self.on_step = on_step
        self.bar = None
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=len(names), desc="spatial run", unit="step")

    @contextmanager
    def step(self, name: str, layers: dict | None = None):
        if self.bar is not None:
            self.bar.set_postfix_str(name)
        start = time.perf_counter()
        logger.info("step %s", name)
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        layers = {} if layers is None else layers
        if name == "read":
            self.read_rows = {key: int(v.n_edges if hasattr(v, "n_edges") else len(v)) for key, v in layers.items()
                              if not key.startswith("_") and (hasattr(v, "n_edges") or hasattr(v, "__len__"))}
        if name != "write":  # the write step's line needs the report's rows: said by run_project
            self.lines[name] = step_line(name, None, layers, n_inputs=len(self.read_rows)) or "skipped"
        if self.bar is not None:
            self.bar.update(1)
        if self.on_step is not None:
            self.on_step(name, self.timings[name], layers)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


#: files a run writes into its folder (an input among them would be overwritten)
_OUTPUT_NAMES = {"results.gpkg", "coverage_summary.csv", "sites_before_after.csv", "grids.csv", "summary.xlsx",
                 "grids.html", "coverage.html", "overview.html", "overview.png", "run_log.json", "grid_editor.html",
                 "station_load.csv", "gaps.csv", "fca_by_community.csv", "moves.csv", README_NAME}
_SCHEDULER = re.compile(r"local|((tcp|tls|inproc|ucx|ws|wss)://)?[\w.\-\[\]:]+:\d+")


def _check_run(project: Project, out: Path, scheduler: str | None) -> None:
    """Before any work: the output folder can be written and holds no input, the scheduler is an
    address, and GDAL can write the KMZ asked for."""
    check_output_path(out, what="output folder")
    if out.exists() and not out.is_dir():
        raise InputFileError(f"output folder {out} is a file; choose a folder")
    for name, spec in project.inputs.items():
        if spec.path.parent == out and spec.path.name in _OUTPUT_NAMES or spec.path.is_relative_to(out / "shapefile"):
            raise InputFileError(f"input '{name}' ({spec.path}) is in the output folder under a name the run "
                                 "writes; move it or choose another output folder")
    if scheduler is not None and (not isinstance(scheduler, str) or not _SCHEDULER.fullmatch(scheduler.strip())):
        raise SpatialError(f"scheduler {scheduler!r} is neither 'local' nor an address such as tcp://10.0.0.5:8786")
    if project.outputs.get("kml"):
        from spatial.io.kml import require_libkml

        require_libkml(out / "results.kmz", leave_out=f"set [outputs] kml = false in {project.source}")
    _check_steps(project)


def _check_steps(project: Project) -> None:
    """A ``[coverage]`` or ``[siting]`` section the file gives whose step lacks an input is refused
    (the step would be skipped without a word); without those sections a project may draw grids only."""
    given = [f"[{name}]" for name in ("coverage", "siting")
             if name in project.sections and getattr(project, name).get("enabled", True)]
    if not given:
        return
    for name, what in (("stations", "stations"), ("network", "network (a walking network: .osm, .graphml ...)")):
        if name not in project.inputs:
            sections = " and ".join(given) + (" sections" if len(given) > 1 else " section")
            raise SpatialError(f"project file {project.source}: {given[0]} is set but [inputs] has no {name}; add "
                               f"[inputs] {what}, or remove the {sections}")


def run_project(
    project: Project | str | Path,
    *,
    out_dir: str | Path | None = None,
    progress: bool = False,
    scheduler: str | None = None,
    on_step: Callable[[str, float, dict], None] | None = None,
) -> RunResult:
    """Run every step a project file asks for and write all outputs into one folder.

    Steps: read and validate the inputs (units built from ``[inputs] buildings`` when those are
    given instead); partition each community into grids (or redraw the plan of ``[inputs] plan``,
    moving as few units as it can); score walking coverage of every unit, with isochrones, gaps and a
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
        ``[distributed] scheduler``, else one process. Results are identical either way: both
        search walks up to ``[coverage] max_walk_m``, by default to their end (each Dask part
        then reads the whole network; set ``max_walk_m`` at province scale).
    on_step
        Called as each step ends with its name (``read``, ``validate``, ``grids``, ``coverage``,
        ``siting``, ``write``), its seconds and the layers computed so far (the CLI prints a line
        for each then, not all at the end of a long run).

    Returns
    -------
    RunResult
        The output folder, the files written, the computed layers and the run log.

    Raises
    ------
    SpatialError
        A bad project file, input, column or scheduler, found before any output is written.

    Notes
    -----
    The run fills a hidden temporary folder beside ``out_dir``; its files are moved into
    ``out_dir`` when every step has succeeded, ``run_log.json`` last (outputs listed by an earlier
    run's log that this run does not write are removed, so runs never mix). After an error or
    Ctrl-C, ``out_dir`` is as it was.

    Examples
    --------
    >>> import dataclasses, tempfile, spatial
    >>> project = spatial.load_project(spatial.demo_paths()["project"])
    >>> project = dataclasses.replace(project, outputs={**project.outputs, "maps": False, "png": False})
    >>> result = spatial.run_project(project, out_dir=tempfile.mkdtemp())
    >>> sorted(path.name for path in result.files)  # doctest: +NORMALIZE_WHITESPACE
    ['README.txt', 'coverage_summary.csv', 'fca_by_community.csv', 'gaps.csv', 'grids.csv', 'results.gpkg',
     'results.kmz', 'run_log.json', 'sites_before_after.csv', 'station_load.csv', 'summary.xlsx']
    """
    from spatial.project.pipeline import STEP_NAMES, run_steps

    if not isinstance(project, Project):
        project = load_project(project)
    out = Path(out_dir).resolve() if out_dir is not None else project.output
    scheduler = scheduler or project.distributed.get("scheduler")
    _check_run(project, out, scheduler)
    started = datetime.now(timezone.utc)
    steps = _Steps(STEP_NAMES, progress, on_step)
    report = Report()
    with atomic_folder(out) as tmp:
        try:
            layers, files = run_steps(project, tmp, steps, report, scheduler=scheduler)
        finally:
            steps.close()
        # for whoever receives the folder: the figures, which file to open first, what each file is
        files.append(write_readme(tmp, files + [tmp / "run_log.json"], title=project.name or "spatial",
                                  figures=_readme_figures(project, layers, out, files), lang=project.outputs.get("lang", "zh"),
                                  about=_readme_held(project, layers, tmp)))
        columns = layers.pop("_columns", {})
        log = {
            "project": project.name,
            "project_file": str(project.source),
            "project_sha256": _sha256(project.source),
            "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            # the options as the project file gives them, and the columns read (found by name if not given)
            "inputs": {name: {"path": str(spec.path), "layer": spec.layer, "sha256": _sha256(spec.path),
                              "options": spec.options, "columns": columns.get(name, {})}
                       for name, spec in project.inputs.items()}
            | ({"lock": {"path": str(lock["path"]), "layer": lock["layer"], "sha256": _sha256(lock["path"])}}
               if isinstance(lock := project.grids.get("lock"), dict) else {})
            # the DEM the walks were timed on: another DEM (re-downloaded, in feet) gives other walks
            | ({"dem": {"path": str(dem), "layer": None, "sha256": _sha256(Path(dem))}}
               if (dem := project.coverage.get("dem")) is not None and project.coverage.get("enabled", True) else {}),
            "parameters": {"grids": project.grids, "coverage": project.coverage, "siting": project.siting,
                           "outputs": project.outputs},
            "scheduler": scheduler or "single process",
            "versions": _versions(),
            "step_seconds": steps.timings,
            # what each step did ('skipped': it had nothing to do), and each input's rows as read
            "steps": {**steps.lines, "write": step_line("write", None, layers, report_rows=len(report))},
            "rows_read": steps.read_rows,
            "report_rows": len(report),
            "outputs": [str(p.relative_to(tmp)) for p in files],
        }
        (tmp / "run_log.json").write_text(json.dumps(log, ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
    files = [out / p.relative_to(tmp) for p in files] + [out / "run_log.json"]
    return RunResult(out_dir=out, files=files, layers=layers, log=log)


def _readme_held(project: Project, layers: dict, folder: Path) -> dict[str, str]:
    """README.txt's lines on overview.html, results.kmz and the workbook in ``folder``: what they hold
    in this run (no gap, or siting not run, said as such; the workbook's sheets)."""
    from spatial.coverage.bands import band_words
    from spatial.project.pipeline import _largest_band

    lang = project.outputs.get("lang", "zh")

    def rows(name: str) -> int | None:
        return None if layers.get(name) is None else len(layers[name])

    covered = layers.get("coverage_demand") is not None
    band = (project.coverage.get("gap_band") or _largest_band(project)) if covered else ""
    sheets = None
    if (book := folder / "summary.xlsx").exists():
        from openpyxl import load_workbook

        workbook = load_workbook(book, read_only=True)
        sheets = list(workbook.sheetnames)
        workbook.close()
    # a target the stations already reach: no site, and nothing wrong with the candidates
    opt = layers.get("siting_optimality") or {}
    met = opt.get("target") if opt.get("problem") == "LSCP" and opt.get("target_reached") and not rows("sites") \
        and opt.get("greedy_value") == 0 else None
    return held(grids=bool(rows("grids")), coverage=covered, stations=bool(rows("stations")), gaps=rows("gaps"),
                sites=rows("sites"), band=band_words(band, lang == "zh") if covered else "", lang=lang, sheets=sheets,
                met=met)


def _readme_figures(project: Project, layers: dict, out: Path, files: list[Path]) -> list[str]:
    """The figure lines of a run's README.txt: its grids against the band (and, for a redraw, units
    moved, new units and households keeping their grid), the headline's coverage lines, and the
    synthetic-data line where it applies."""
    lang = project.outputs.get("lang", "zh")
    figures = headline_figures(RunResult(out, files, layers, {"parameters": {"siting": project.siting,
                                                                         "coverage": project.coverage}}), lang)
    if layers.get("grids") is not None and "band_status" in layers["grids"].columns:
        band = (project.grids["min_households"], project.grids["max_households"])
        figures.insert(0, grid_figure(layers["grids"]["band_status"], band, lang))
        from spatial.project.pipeline import _rule_pct  # (the rule the editor flags grids by, as the report does)

        pct = _rule_pct(project)
        if pct is not None and "deviation_pct" in layers["grids"].columns:
            figures.insert(1, rule_figure(layers["grids"]["deviation_pct"], pct, lang))
        if layers.get("moves") is not None and {"households_kept_pct", "households"} <= set(layers["grids"]):
            from spatial.grids.redraw import households_kept_pct, moved_and_new  # (the figures of the run's line)

            figures.insert(1 + (pct is not None), redraw_figure(*moved_and_new(layers["moves"]), households_kept_pct(
                layers["grids"], layers.get("_households_new", 0.0)),
                                            lang))
    from spatial.core._carnet import CAR_NOTE, car_network

    if car_network(layers.get("report")):  # no footway or path: the walks follow the roads only, said in words
        figures.append(CAR_NOTE["zh" if lang == "zh" else "en"])
    if marked_synthetic(*(v for v in layers.values() if isinstance(v, pd.DataFrame))):
        from spatial.maps._style import text  # (what every map and table of such data says)

        figures.append(text(lang, "synthetic"))
    return figures


def headline(result: RunResult, *, lang: str | None = None) -> str:
    """The end-of-run summary in plain words: households within each band, before and after
    the proposed sites, and where the files are.

    Parameters
    ----------
    result
        What :func:`run_project` returned.
    lang
        ``"zh"`` or ``"en"``; default: the project's ``[outputs] lang``.

    Returns
    -------
    str
        A few lines for the end of ``spatial run`` and ``spatial demo``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [1000.0],
    ...                         "hh_15min": [770.0], "pct_hh_15min": [77.0]})
    >>> r = RunResult(Path("out"), [Path("out/overview.html")], {"coverage_summary": summary}, {})
    >>> print(headline(r, lang="en"))
    Of 1,000 households, 770 (77.0%) within 15 min of a station on foot.
    Files in out: overview.html
    """
    lang = lang or result.log.get("parameters", {}).get("outputs", {}).get("lang", "zh")
    zh = lang == "zh"
    lines = headline_figures(result, lang)
    shown = [p.name for p in result.files if p.suffix in (".html", ".xlsx", ".gpkg", ".png", ".kmz")]
    if shown:
        lines.append((f"文件在 {result.out_dir}：" if zh else f"Files in {result.out_dir}: ") + ", ".join(shown))
    return "\n".join(lines)


def headline_figures(result: RunResult, lang: str) -> list[str]:
    """The figure lines of :func:`headline` (households within each band, and with the proposed
    sites), in ``lang``; none for a run that walked nothing (:func:`~spatial.project._headline.figures`,
    which overview.png prints too)."""
    return figures(result.layers, result.log, lang)


def step_line(name: str, seconds: float | None, layers: dict, *, n_inputs: int | None = None,
              report_rows: int | None = None) -> str | None:
    """The line a step of ``spatial run`` prints (None when the step had nothing to do)."""
    t = "" if seconds is None else f" ({seconds:.1f} s)"
    if name == "read":
        return f"read: {n_inputs} inputs{t}"
    if name == "validate":
        return f"validate: inputs checked{t}"
    if name == "grids":
        grids = layers.get("grids")
        if grids is None or "band_status" not in grids:
            return None
        counts = grids["band_status"].value_counts()
        moves = layers.get("moves")
        from spatial.grids.redraw import households_kept_pct, moved_and_new

        redrawn = ""
        if moves is not None:
            moved, new = moved_and_new(moves)
            placed = f", {counted(new, 'new unit', thousands=True)} placed" if new else ""
            if layers.get("_locked_units") is not None:  # [grids] lock
                placed += f", {counted(layers['_locked_units'], 'unit', thousands=True)} locked"
            redrawn = f" (plan redrawn: {counted(moved, 'unit', thousands=True)} moved{placed}" + (
                f", {households_kept_pct(grids, layers.get('_households_new', 0.0)):.1f}% of households keep their grid)"
                if {"households_kept_pct", "households"} <= set(grids.columns) else ")")
        return (f"grids: {counted(len(grids), 'grid')}, {counts.get('in', 0)} in band, {counts.get('under', 0)} under, "
                f"{counts.get('over', 0)} over{redrawn}{t}")
    if name == "coverage":
        demand = layers.get("coverage_demand")
        if demand is None or "access" not in demand:
            return None
        access = demand["access"].value_counts()
        line = (f"coverage: {counted(len(demand), 'unit', thousands=True)} walked, {access.get('estimated', 0):,} "
                f"through unmapped ground (estimated), {access.get('unreachable', 0):,} unreachable")
        gaps = layers.get("gaps")
        if gaps is not None and "cause" in gaps:
            causes = gaps["cause"].value_counts()
            line += ("; gaps: " + ", ".join(f"{n} {cause}" for cause, n in causes.items())) if len(causes) \
                else "; no gaps"
        return line + t
    if name == "siting":
        return None if layers.get("sites") is None else f"siting: {counted(len(layers['sites']), 'new site')}{t}"
    if name == "write":
        rows = report_rows if report_rows is not None else len(layers.get("report", ()))
        return f"write: report of {counted(rows, 'row')} (every row set aside or repaired, and why){t}"
    return None
