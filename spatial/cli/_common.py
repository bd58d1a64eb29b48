"""Helpers shared by the commands: printing for the user and reading layers named on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path


def say(args: argparse.Namespace, text: str) -> None:
    """Print a line for the user unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(text)


def number_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.replace("，", ",").split(",") if x.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from exc
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def read_grid_input(spec: Path, default_layer: str, name: str):
    """A layer ``FILE[:layer]``; in a multi-layer GeoPackage ``default_layer`` is taken; CSV/XLSX as tables."""
    import pandas as pd

    from spatial.io.layers import read_layer

    text = str(spec)
    layer = None
    if ".gpkg:" in text:
        text, layer = text.split(".gpkg:", 1)
        text += ".gpkg"
    path = Path(text)
    if path.suffix.lower() in (".csv", ".txt"):
        from spatial.core.errors import InputFileError

        if not path.exists():
            raise InputFileError(f"'{path}' does not exist; check the path")
        return pd.read_csv(path, encoding="utf-8-sig")
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path)
    if layer is None and path.suffix.lower() == ".gpkg" and path.exists():
        import pyogrio

        names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
        if len(names) > 1 and default_layer in names:
            layer = default_layer
    return read_layer(path, layer=layer, name=name)
