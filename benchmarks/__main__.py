"""Run every benchmark in turn: ``python -m benchmarks [--full] [NAME ...]`` (quick sizes by default)."""

from __future__ import annotations

import argparse
import importlib
import time

NAMES = ["io", "grids", "blocks", "streets", "units", "coverage", "isochrones", "city", "siting", "maps", "editor",
         "province", "dem", "estimated_walks", "startup", "evaluate"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=[], metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(NAMES)})")
    parser.add_argument("--full", action="store_true", help="the full sizes of the issues (minutes each)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {NAMES}")
    for name in args.names or NAMES:
        print(f"\n=== bench_{name} ({'full' if args.full else 'quick'}) ===", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.bench_{name}")
        module.main([] if args.full else ["--quick"])
        print(f"=== bench_{name}: {time.perf_counter() - start:.1f} s ===", flush=True)


if __name__ == "__main__":
    main()
