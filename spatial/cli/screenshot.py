"""``spatial screenshot``: a PNG of a saved map as headless Chromium draws it."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import check_inputs, check_output, non_negative_int, positive_int, say


def add_parser(sub) -> None:
    p = sub.add_parser("screenshot", help="save a PNG of a map as headless Chromium draws it offline")
    p.add_argument("html", type=Path, help="a map written by spatial map / demo")
    p.add_argument("png", type=Path, help="the PNG to write")
    p.add_argument("--width", type=positive_int, default=1280)
    p.add_argument("--height", type=positive_int, default=860)
    p.add_argument("--wait-ms", type=non_negative_int, default=4000, help="virtual time to let the map draw")
    p.set_defaults(func=_cmd_screenshot)


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from spatial.maps.screenshot import screenshot

    from spatial.core.atomic import atomic_path

    check_inputs({"HTML": args.html}, suffixes={"HTML": (".html", ".htm")})
    check_output(args.png, inputs={"HTML": args.html}, suffixes=(".png",), what="PNG")
    with atomic_path(args.png) as tmp:
        screenshot(args.html, tmp, width=args.width, height=args.height, wait_ms=args.wait_ms)
    out = args.png
    say(args, f"wrote {out}")
    return 0
