"""``spatial run``: a whole project from one TOML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spatial.cli._common import read_from, say


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run a whole project from one TOML file into one output folder")
    p.add_argument("project", type=Path, help="project file (see data/demo_project.toml; installed from a wheel: "
                   "spatial.demo_paths()['project'])")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: [project] output, else 'out', "
                   "beside the project file)")
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
    if args.scheduler is not None and not args.verbose:  # Dask's own log lines (workers gone, tasks cancelled on
        import logging  # a stop) in its own format, here and in the workers started with this environment: -v shows them
        import os

        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")  # (their errors come back as the run's)
        logging.getLogger("distributed").setLevel(logging.ERROR)
    result = run_project(args.project, out_dir=args.out, progress=not args.quiet and sys.stderr.isatty(),
                         scheduler=args.scheduler, on_step=step_printer(args))
    for line in headline(result).splitlines():
        say(args, line)
    return 0


def step_printer(args: argparse.Namespace):
    """``run_project``'s ``on_step``: each step's line printed as the step ends, so a long run (or
    one stopped with Ctrl-C) shows how far it got."""

    from spatial.project.run import step_line

    def on_step(name: str, seconds: float, layers: dict) -> None:
        n_inputs = sum(1 for key in layers if not key.startswith("_")) if name == "read" else None
        line = step_line(name, seconds, layers, n_inputs=n_inputs)
        if line is not None:
            say(args, line)

    return on_step


def summary_lines(result) -> list[str]:
    """One line per step of a finished run, then the headline (the detail is in the report layer and
    run_log.json)."""
    from spatial.project.pipeline import STEP_NAMES
    from spatial.project.run import headline, step_line

    secs = result.log.get("step_seconds", {})
    lines = [step_line(name, secs.get(name), result.layers, n_inputs=len(result.log.get("inputs", {})),
                       report_rows=result.log.get("report_rows", 0)) for name in STEP_NAMES]
    return [line for line in lines if line is not None] + headline(result).splitlines()
