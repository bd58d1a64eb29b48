"""Rows of a file named as a planner finds them in it: ``fid 12`` in a GeoPackage (its feature id,
which QGIS shows), else ``row 12`` (counting from 1). A frame's own index counts from 0, so a
report row naming "building 11" sent the planner to the 12th feature, fid 12 in QGIS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def file_row_names(path, layer: str | None, n: int, *, wanted: tuple[str, ...] = ()) -> pd.Index:
    """The ``n`` rows read from ``path`` (its layer ``layer``; None: the only one, else the first of
    ``wanted`` there, as the reader picked it) as ``fid N`` for a GeoPackage whose layer holds
    ``n`` features, else ``row N`` (N from 1, in the order read).

    >>> list(file_row_names("buildings.csv", None, 2))
    ['row 1', 'row 2']
    """
    path = Path(path)
    if path.suffix.lower() == ".gpkg" and path.is_file():
        import pyogrio

        from spatial.io._gdal import data_layers

        try:
            if layer is None:
                names = data_layers(path)
                layer = names[0] if len(names) == 1 else next((w for w in wanted if w in names), None)
            fids = pyogrio.read_dataframe(path, layer=layer, columns=[], read_geometry=False, fid_as_index=True).index
        except Exception:  # (what the reader said of the file is said already)
            fids = ()
        if len(fids) == n:
            return pd.Index([f"fid {f}" for f in fids], dtype=object)
    return pd.Index([f"row {k + 1}" for k in range(n)], dtype=object)
