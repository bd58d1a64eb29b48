"""Command-line interface: ``spatial demo | grids | merge | coverage | map | screenshot | site | run | editor``.

The only package that reads arguments or prints. Each command is one module here with an
``add_parser(sub)`` that registers it; the work is done by the library's plain functions.
May import everything in :mod:`spatial`; nothing imports it.
"""

from __future__ import annotations

import argparse
import logging
import sys

from spatial.cli import coverage, demo, editor, grids, map, merge, run, screenshot, site
from spatial.core.errors import SpatialError

logger = logging.getLogger("spatial")

#: the commands, in the order ``spatial --help`` lists them
COMMANDS = (demo, grids, merge, coverage, map, screenshot, site, run, editor)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="spatial",
        description="Community grids (网格) and 15-minute walking service circles (15分钟服务圈).",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
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
