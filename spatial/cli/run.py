"""``spatial run``: a whole project from one TOML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spatial.cli._common import say


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run a whole project from one TOML file into one output folder")
    p.add_argument("project", type=Path, help="project file (see data/demo_project.toml)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: the project's output)")
    p.add_argument("--scheduler", default=None, metavar="local|ADDRESS",
                   help="run grids and coverage on Dask: 'local' (a LocalCluster) or a scheduler address "
                        "such as tcp://10.0.0.5:8786 (needs pip install 'spatial[dask]')")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from spatial.project.run import run_project

    result = run_project(args.project, out_dir=args.out, progress=not args.quiet and sys.stderr.isatty(),
                         scheduler=args.scheduler)
    for line in summary_lines(result):
        say(args, line)
    return 0


def summary_lines(result) -> list[str]:
    """One line per step of a finished run, then the headline (the detail is in the report layer and
    run_log.json)."""
    from spatial.project.run import headline

    lay, secs = result.layers, result.log.get("step_seconds", {})

    def t(step: str) -> str:
        return f" ({secs[step]:.1f} s)" if step in secs else ""

    lines = [f"read: {len(result.log.get('inputs', {}))} inputs{t('read')}", f"validate: inputs checked{t('validate')}"]
    grids = lay.get("grids")
    if grids is not None and "band_status" in grids:
        counts = grids["band_status"].value_counts()
        moves = lay.get("moves")
        redrawn = "" if moves is None else f" (plan redrawn: {len(moves)} units moved)"
        lines.append(f"grids: {len(grids)} grids, {counts.get('in', 0)} in band, {counts.get('under', 0)} under, "
                     f"{counts.get('over', 0)} over{redrawn}{t('grids')}")
    demand = lay.get("coverage_demand")
    if demand is not None and "access" in demand:
        access = demand["access"].value_counts()
        line = (f"coverage: {len(demand)} units walked, {access.get('estimated', 0)} through unmapped ground "
                f"(estimated), {access.get('unreachable', 0)} unreachable")
        gaps = lay.get("gaps")
        if gaps is not None and "cause" in gaps:
            causes = gaps["cause"].value_counts()
            line += ("; gaps: " + ", ".join(f"{n} {cause}" for cause, n in causes.items())) if len(causes) \
                else "; no gaps"
        lines.append(line + t("coverage"))
    if lay.get("sites") is not None:
        lines.append(f"siting: {len(lay['sites'])} new sites{t('siting')}")
    lines.append(f"write: report of {result.log.get('report_rows', 0)} rows (every row set aside or repaired, "
                 f"and why){t('write')}")
    lines.extend(headline(result).splitlines())
    return lines
