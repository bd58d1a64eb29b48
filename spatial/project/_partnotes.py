"""Plumbing of ``spatial.project.distributed``: what ``walking_coverage`` says of its walks in
``attrs`` beside the columns, said again of the whole demand after its parts are walked.

Each part's walks were of its own homes (their points only: no households column) on its own
piece of the network. The client holds the whole demand, the stations and the walls, so it says
once, of the whole, what one process says: the bands and speed scored, the stations' id column,
the slope model, the stations no walk reaches and why, each station inside walls (``enclosed``)
and each walled area given with no gate (``gateless``, one report row per estate, with its homes'
households). Until December 2026 a Dask run kept none of these: ``spatial run --scheduler`` left
the walls' rows out of the report and the 围墙 line out of README.txt.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import numpy as np
import pandas as pd
import shapely


def say_of_whole(out: pd.DataFrame, results: list[dict], *, demand, stations, d_xy: np.ndarray, s_xy: np.ndarray,
                 edges_path: str, crs, bands, speed_kmh: float, options: Mapping) -> None:
    """Set ``out.attrs`` as ``walking_coverage`` of the whole demand sets them (in place).

    ``results``: the parts' results (``slope``, ``station_reasons``); ``d_xy``, ``s_xy``: the
    homes' and stations' points in the edge file's ``crs``; ``edges_path``: the GeoParquet edge
    file, of which only the edges meeting the walls' bounding box are read.
    """
    from spatial.coverage._enclosed import walled_notes
    from spatial.coverage.walks import DEFAULT_DETOUR_FACTOR, _households, barrier_lines, gate_points
    from spatial.project._split import edge_arrays

    id_col = options.get("station_id_col", "station_id")
    out.attrs["speed_kmh"] = float(speed_kmh)
    out.attrs["bands"] = [b.label for b in bands]
    out.attrs["station_id_col"] = id_col
    reasons: dict = {}
    for r in results:
        if r.get("slope") and "slope" not in out.attrs:
            out.attrs["slope"] = r["slope"]
        for sid, why in r.get("station_reasons", {}).items():
            reasons.setdefault(sid, why)
    if reasons:
        out.attrs["station_reasons"] = {"id_col": id_col, "reasons": reasons}
    barriers = options.get("barriers")
    if barriers is None:
        return
    net = SimpleNamespace(crs=crs)
    lines = barrier_lines(barriers, net)
    good = lines[~(shapely.is_missing(lines) | shapely.is_empty(lines))]
    bbox = tuple(map(float, shapely.total_bounds(good))) if len(good) else None
    edges = edge_arrays(edges_path, bbox)["geometry"] if bbox is not None else np.empty(0, object)
    out.attrs["enclosed"], out.attrs["gateless"] = walled_notes(
        out, d_xy, s_xy, stations[id_col].to_numpy(object), barriers, lines, _households(demand), edges,
        gate_points(options.get("gates"), net), crs, float(options.get("detour_factor", DEFAULT_DETOUR_FACTOR)))
