"""``spatial demo``: the example project on the embedded Futian data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spatial.cli._common import say


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the whole job on the embedded Futian data and write the maps")
    p.add_argument("--data", type=Path, default=None, help="folder with the demo data (default: ./data)")
    p.add_argument("--out", type=Path, default=Path("maps"), help="folder for maps and results (default: maps)")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from spatial.project.demo import run_demo

    written = run_demo(args.out, data_dir=args.data, progress=not args.quiet and sys.stderr.isatty())
    for path in written:
        say(args, f"wrote {path}")
    return 0
