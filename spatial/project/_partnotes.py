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

from spatial.core.checks import label_text

#: Stations near no part's homes are snapped in groups of this square (m): one read of the edge
#: file each, not one box over a province's scattered stations.
GROUP_M = 20_000.0


def say_of_whole(out: pd.DataFrame, results: list[dict], *, demand, stations, d_xy: np.ndarray, s_xy: np.ndarray,
                 edges_path: str, crs, bands, speed_kmh: float, options: Mapping,
                 sent: np.ndarray | None = None) -> None:
    """Set ``out.attrs`` as ``walking_coverage`` of the whole demand sets them (in place).

    ``results``: the parts' results (``slope``, ``station_reasons``); ``d_xy``, ``s_xy``: the
    homes' and stations' points in the edge file's ``crs``; ``edges_path``: the GeoParquet edge
    file, of which only the edges meeting the walls' bounding box (and those near the stations
    no part walked from) are read; ``sent``: which stations some part was given (default all).
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
    from spatial.coverage._slopes import summed

    effect = summed([r.get("slope_effect") for r in results])  # each home in one part: the parts' figures added
    if effect is not None:
        out.attrs["slope_effect"] = effect
    if sent is not None and not sent.all():  # near no part's homes: snapped here, as one process snaps them
        from spatial.coverage._stationcheck import warn_off_network

        far = unsent_reasons(stations.iloc[np.flatnonzero(~sent)], s_xy[~sent], edges_path, crs, options)
        warn_off_network(list(far), list(far.values()))  # said as one process says them (the parts never saw them)
        reasons.update(far)
    if reasons:  # in the stations' order, as one process lists them
        order = {label_text(i): k for k, i in enumerate(stations[id_col].to_numpy(object))}
        out.attrs["station_reasons"] = {"id_col": id_col, "reasons": dict(
            sorted(reasons.items(), key=lambda kv: order.get(kv[0], len(order))))}
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


def unsent_reasons(stations, xy: np.ndarray, edges_path: str, crs, options: Mapping) -> dict:
    """``{station id as text: reason}`` of the ``stations`` (points ``xy`` in ``crs``) no part
    was given, those that serve nobody for want of a walk: too far from the network, in a dropped
    component, cut off by a barrier ..., as :func:`~spatial.coverage.walks.station_snaps` on the
    whole network says it. Each group of them is snapped on the edges within its reach, read from
    the edge file by bounding box: the farthest leg (``max_snap_m``, or ``max_off_network_m`` for
    an estimated one), and the walls round a station with the gates it leaves by."""
    import geopandas as gpd

    from spatial.coverage.walks import DEFAULT_MAX_OFF_NETWORK_M, station_snaps
    from spatial.network.snapping import NO_LOCATION
    from spatial.project._split import build_network, edge_arrays

    id_col = options.get("station_id_col", "station_id")
    ids = stations[id_col].to_numpy(object)
    ok = np.isfinite(xy).all(axis=1)
    out: dict = {label_text(i): NO_LOCATION for i in ids[~ok]}
    if not ok.any():
        return out
    reach = max(float(options.get("max_snap_m", 100.0)),
                float(options.get("max_off_network_m", DEFAULT_MAX_OFF_NETWORK_M) or 0.0)) + 1.0
    lo, hi = xy[ok] - reach, xy[ok] + reach
    barriers = options.get("barriers")
    if barriers is not None:  # a station inside walls leaves by their gates, however far: its box covers them
        walls = barriers.to_crs(crs).geometry.values if barriers.crs != crs else barriers.geometry.values
        walls = walls[~(shapely.is_missing(walls) | shapely.is_empty(walls))]
        wb = shapely.bounds(walls)
        for k, (x, y) in enumerate(xy[ok]):
            round_it = (wb[:, 0] <= x) & (x <= wb[:, 2]) & (wb[:, 1] <= y) & (y <= wb[:, 3])
            if round_it.any():
                lo[k] = np.minimum(lo[k], wb[round_it, :2].min(axis=0) - reach)
                hi[k] = np.maximum(hi[k], wb[round_it, 2:].max(axis=0) + reach)
    keys = ("max_snap_m", "max_off_network_m", "detour_factor", "gates", "barriers")
    rows = np.flatnonzero(ok)
    cell = np.floor(xy[ok] / GROUP_M).astype(np.int64)
    _, group = np.unique(cell, axis=0, return_inverse=True)
    for g in np.unique(group):
        mine = np.flatnonzero(group.ravel() == g)
        box = (*lo[mine].min(axis=0), *hi[mine].max(axis=0))
        arrays = edge_arrays(edges_path, tuple(map(float, box)))
        # no kept edge in reach: one far off, so that the engine itself says too far (or dropped component)
        net = build_network(arrays, dummy_far_m=None if len(arrays["eu"]) else 10 * reach + 1e6)
        pts = gpd.GeoDataFrame({id_col: ids[rows[mine]]}, geometry=shapely.points(xy[rows[mine]]), crs=crs)
        snap = station_snaps(pts, net, **{k: options[k] for k in keys if k in options})
        for i, why in zip(ids[rows[mine]], snap.reason):
            if why:
                out[label_text(i)] = str(why)
    return out

