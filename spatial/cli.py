"""Command-line interface: ``spatial demo | grids | coverage | map | site | run``.

The only module that reads arguments or prints. Each sub-command is one section below that
registers itself with ``@_command``; the work is done by the library's plain functions.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ._errors import SpatialError

logger = logging.getLogger("spatial")

_COMMANDS = []


def _command(add_parser):
    """Register a function that adds one sub-command to the parser."""
    _COMMANDS.append(add_parser)
    return add_parser


def _say(args: argparse.Namespace, text: str) -> None:
    """Print a line for the user unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(text)


# === demo ===
@_command
def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="run the whole job on the embedded Futian data and write the maps")
    p.add_argument("--data", type=Path, default=None, help="folder with the demo data (default: ./data)")
    p.add_argument("--out", type=Path, default=Path("maps"), help="folder for maps and results (default: maps)")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    written = run_demo(args.out, data_dir=args.data, progress=not args.quiet)
    for path in written:
        _say(args, f"wrote {path}")
    return 0
# === end demo ===


# === grids (issue 3) ===
# === end grids ===


# === coverage (issue 4) ===
# === end coverage ===


# === map (issue 5) ===
# === end map ===


# === site (issue 6) ===
# === end site ===


# === run (issue 7) ===
@_command
def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a whole project from one TOML file into one output folder")
    p.add_argument("project", type=Path, help="project file (see data/demo_project.toml)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: the project's output)")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from .run import run_project

    result = run_project(args.project, out_dir=args.out, progress=not args.quiet)
    for path in result.files:
        _say(args, f"wrote {path}")
    return 0
# === end run ===


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="spatial",
        description="Community grids (网格) and 15-minute walking service circles (15分钟服务圈).",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``spatial`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else (logging.DEBUG if args.verbose else logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except SpatialError as exc:
        print(f"spatial: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
