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
    from spatial.project.run import headline, run_project

    result = run_project(args.project, out_dir=args.out, progress=not args.quiet and sys.stderr.isatty(), scheduler=args.scheduler)
    for path in result.files:
        say(args, f"wrote {path}")
    print(headline(result))
    return 0
