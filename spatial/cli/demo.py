"""``spatial demo``: the example project on the embedded Futian data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spatial.cli._common import say


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the whole job on the embedded Futian data and write the maps")
    p.add_argument("--data", type=Path, default=None,
                   help="folder with the demo data (default: the copy installed with spatial)")
    p.add_argument("--out", type=Path, default=Path("maps"), help="folder for maps and results (default: maps)")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from spatial.cli.run import step_printer
    from spatial.project.demo import demo_project_path
    from spatial.project.run import headline, run_project

    result = run_project(demo_project_path(args.data), out_dir=args.out,
                         progress=not args.quiet and sys.stderr.isatty(), on_step=step_printer(args))
    for line in headline(result).splitlines():
        say(args, line)
    return 0
