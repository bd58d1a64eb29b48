"""``spatial screenshot``: a PNG of a saved map as headless Chromium draws it."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import say


def add_parser(sub) -> None:
    p = sub.add_parser("screenshot", help="save a PNG of a map as headless Chromium draws it offline")
    p.add_argument("html", type=Path, help="a map written by spatial map / demo")
    p.add_argument("png", type=Path, help="the PNG to write")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=860)
    p.add_argument("--wait-ms", type=int, default=4000, help="virtual time to let the map draw")
    p.set_defaults(func=_cmd_screenshot)


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from spatial.maps.screenshot import screenshot

    out = screenshot(args.html, args.png, width=args.width, height=args.height, wait_ms=args.wait_ms)
    say(args, f"wrote {out}")
    return 0
