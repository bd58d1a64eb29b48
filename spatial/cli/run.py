"""``spatial run``: a whole project from one TOML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spatial.cli._common import read_from, say


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run a whole project from one TOML file into one output folder")
    p.add_argument("project", type=Path, help="project file (see data/demo_project.toml)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: the project's output)")
    p.add_argument("--scheduler", default=None, metavar="local|ADDRESS",
                   help="run grids and coverage on Dask: 'local' (a LocalCluster) or a scheduler address "
                        "such as tcp://10.0.0.5:8786 (needs pip install 'spatial[dask]')")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from spatial.project.config import load_project
    from spatial.project.run import headline, run_project

    # an error about a layer names the file the project gives for it (units.gpkg, not 'units')
    read_from(args, **{name: spec.path.name + (f":{spec.layer}" if spec.layer else "")
                       for name, spec in load_project(args.project).inputs.items()})
    result = run_project(args.project, out_dir=args.out, progress=not args.quiet and sys.stderr.isatty(),
                         scheduler=args.scheduler, on_step=step_printer(args))
    for line in headline(result).splitlines():
        say(args, line)
    return 0


def step_printer(args: argparse.Namespace):
    """``run_project``'s ``on_step``: each step's line printed as the step ends, so a long run (or
    one stopped with Ctrl-C) shows how far it got."""

    def on_step(name: str, seconds: float, layers: dict) -> None:
        n_inputs = sum(1 for key in layers if not key.startswith("_")) if name == "read" else None
        line = step_line(name, seconds, layers, n_inputs=n_inputs)
        if line is not None:
            say(args, line)

    return on_step


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
        redrawn = "" if moves is None else f" (plan redrawn: {len(moves)} units moved)"
        return (f"grids: {len(grids)} grids, {counts.get('in', 0)} in band, {counts.get('under', 0)} under, "
                f"{counts.get('over', 0)} over{redrawn}{t}")
    if name == "coverage":
        demand = layers.get("coverage_demand")
        if demand is None or "access" not in demand:
            return None
        access = demand["access"].value_counts()
        line = (f"coverage: {len(demand)} units walked, {access.get('estimated', 0)} through unmapped ground "
                f"(estimated), {access.get('unreachable', 0)} unreachable")
        gaps = layers.get("gaps")
        if gaps is not None and "cause" in gaps:
            causes = gaps["cause"].value_counts()
            line += ("; gaps: " + ", ".join(f"{n} {cause}" for cause, n in causes.items())) if len(causes) \
                else "; no gaps"
        return line + t
    if name == "siting":
        return None if layers.get("sites") is None else f"siting: {len(layers['sites'])} new sites{t}"
    if name == "write":
        rows = report_rows if report_rows is not None else len(layers.get("report", ()))
        return f"write: report of {rows} rows (every row set aside or repaired, and why){t}"
    return None


def summary_lines(result) -> list[str]:
    """One line per step of a finished run, then the headline (the detail is in the report layer and
    run_log.json)."""
    from spatial.project.pipeline import STEP_NAMES
    from spatial.project.run import headline

    secs = result.log.get("step_seconds", {})
    lines = [step_line(name, secs.get(name), result.layers, n_inputs=len(result.log.get("inputs", {})),
                       report_rows=result.log.get("report_rows", 0)) for name in STEP_NAMES]
    return [line for line in lines if line is not None] + headline(result).splitlines()
