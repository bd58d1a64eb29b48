"""Stations inside a walled area no mapped path enters (a gated estate's 党群服务站 in its community
building, the estate's paths not in OSM), and what became of the homes within the same walls.

Homes and a station inside the same walls walk straight across the inside to each other, on an
estimated walk (the straight line times the detour factor, :func:`spatial.network.routing.inside_walls`),
and leave by a gate of the walls however long the leg (:func:`spatial.network.snapping.snap_walks`).
Until December 2026 they walked out through the gate and back in: a home 50 m from its estate's
station walked 562.5 m, and one 112 m away whose way out through the gate was over
``max_off_network_m`` had no walk at all, "cut off by a barrier". :func:`enclosed_rows` says, for
each such station, how many of the homes within its walls walk straight across to it, how many to
another station and how many have none, and what to do, as a row of the report (the workbook's
数据问题清单), its map popup and its KMZ placemark.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import label_text
from spatial.network._rooms import room_of, rooms
from spatial.network.snapping import ESTIMATED, NO_GATE, UNREACHABLE

logger = logging.getLogger("spatial.coverage.walks")

#: What to do about the homes within a station's walls (English, Chinese).
ACTION = ("kept; walks inside the walls are estimated (straight line x the detour factor): map the paths inside "
          "the walls (OSM footways; private lanes with --keep-private) to measure them, and give the gates "
          "(--gates) for homes with no walk",
          "保留；墙内步行按直线距离×绕行系数估算：请补绘墙内道路（OSM 步行道；私有道路用 --keep-private）以实测，"
          "无法步行到达的住户请补充大门（--gates）")


def enclosed_rows(demand: pd.DataFrame, d_xy: np.ndarray, stations_xy: np.ndarray, station_ids, barriers,
                  households: np.ndarray, edges: np.ndarray, across: np.ndarray,
                  detour_factor: float) -> list[tuple[str, tuple[str, str]]]:
    """``[(station id, (problem, 问题)), ...]``: each station inside walls that no walkway of the
    network (``edges``, its lines) enters (:func:`spatial.network._rooms.rooms` of ``barriers``,
    in the network's metres; the station's smallest), with homes inside the same walls that have
    no walk or an estimated one (``demand``'s ``access`` and ``nearest_station``; ``d_xy`` their
    points, ``households`` each one's households, ``across`` whether each walks straight across
    its walls' inside to its station). An area a walkway enters (a block ringed by arterials given
    as barriers, an estate whose paths are mapped) is walked inside: nothing is said."""
    walls = rooms(barriers, edges)
    if not len(walls) or not len(demand):
        return []
    access = demand["access"].astype(str).to_numpy()
    nearest = demand["nearest_station"].map(lambda v: None if pd.isna(v) else label_text(v)).to_numpy(object)
    home_room = room_of(walls, d_xy)
    station_room = room_of(walls, np.asarray(stations_xy, np.float64).reshape(-1, 2))
    out = []
    for k, sid in enumerate(station_ids):
        if station_room[k] < 0:
            continue
        mine = home_room == station_room[k]
        none, est = mine & (access == UNREACHABLE), mine & (access == ESTIMATED)
        if not (none.any() or est.any()):
            continue
        to_it = est & across & (nearest == label_text(sid))
        n, hh = int(mine.sum()), households[mine].sum()
        hh_it, hh_other, hh_none = households[to_it].sum(), households[est & ~to_it].sum(), households[none].sum()
        if (demand["reason"].astype(str).to_numpy()[mine] == NO_GATE).all():  # walls with no gate: nobody walks
            en = (f"inside walls no mapped path enters with no gate given, with {n} home{'s' if n > 1 else ''} "
                  f"({hh:,.0f} households): neither it nor they have a walk until the gates are given")
            zh = f"位于围墙内（墙内道路未入图，未给出大门）：本站和墙内 {n} 个居民单元（{hh:,.0f} 户）均无法步行到达，请补充大门"
            logger.warning("station %s is %s", sid, en)
            out.append((label_text(sid), (en, zh)))
            continue
        en = (f"inside walls no mapped path enters, with {n} home{'s' if n > 1 else ''} ({hh:,.0f} households), "
              f"walked across on estimated walks (straight line x{detour_factor:g}): {hh_it:,.0f} households walk "
              f"straight across to it, {hh_other:,.0f} to another station, {hh_none:,.0f} have no walk")
        zh = (f"位于围墙内（墙内道路未入图）：墙内 {n} 个居民单元（{hh:,.0f} 户）按直线距离×{detour_factor:g} 估算步行："
              f"{hh_it:,.0f} 户穿过墙内直接步行到本站，{hh_other:,.0f} 户步行到其他站点，{hh_none:,.0f} 户无法步行到达")
        logger.warning("station %s is %s", sid, en)
        out.append((label_text(sid), (en, zh)))
    return out


#: What to do about walls given with no gate (English, Chinese).
NO_GATE_ACTION = ("kept; their homes have no walk (not counted as covered): give the estate's gates (--gates, [inputs] gates in a "
                  "project file: points within 10 m of the walls) or map the paths inside (OSM footways; private lanes with "
                  "--keep-private); to walk them to the nearest street instead, leave these walls out of --barriers ([inputs] barriers)",
                  "保留；墙内住户无法步行到达（不计入覆盖）：请补充小区大门（--gates，项目文件中为 [inputs] gates：距围墙 10 米以内的点）"
                  "或补绘墙内道路（OSM 步行道；私有道路用 --keep-private）；若按最近道路估算，请从 --barriers（[inputs] barriers）中去掉此围墙")


def gateless_rows(demand: pd.DataFrame, d_xy: np.ndarray, barriers: pd.DataFrame, lines: np.ndarray,
                  households: np.ndarray, edges: np.ndarray, gates_xy, crs) -> list[tuple]:
    """``[(walls' row ids, (problem, 问题), homes, households), ...]``: one per walled area no walkway of the network
    enters (:func:`spatial.network._rooms.rooms` of ``lines``, the ``barriers`` rows' lines in the
    network's ``crs``; ``edges`` its walkways) with no gate of ``gates_xy`` in its walls and homes
    inside (``demand``'s ``reason`` :data:`spatial.network.snapping.NO_GATE`, ``d_xy`` their points,
    ``households`` each one's): how many homes and households have no walk, and where the walls
    are. The walls are named by the ``barriers`` rows that draw them (``+``-joined: each by its name,
    ``name``, ``名称`` ..., else its index)."""
    from spatial.network.snapping import gateless

    lost = demand["reason"].astype(str).to_numpy() == NO_GATE
    if not lost.any():
        return []
    walls = rooms(lines, edges)
    home_room = room_of(walls, d_xy)
    shut = gateless(walls, gates_xy)
    drawn = shapely.STRtree(lines)
    out = []
    for r in np.unique(home_room[lost & (home_room >= 0)]):
        if not shut[r]:
            continue
        mine = lost & (home_room == r)
        n, hh = int(mine.sum()), float(households[mine].sum())
        by = np.unique(drawn.query(shapely.boundary(walls[r]), predicate="dwithin", distance=0.01))
        ids = "+".join(_wall_name(barriers, k) for k in by) or "-"
        lon, lat = gpd.GeoSeries([shapely.point_on_surface(walls[r])], crs=crs).to_crs(4326).iloc[0].coords[0]
        en = (f"walls with no gate given (around {lon:.5f}, {lat:.5f}): {n} home{'s' if n > 1 else ''} "
              f"({hh:,.0f} households) inside have no walk")
        zh = f"围墙未给出大门（约 {lon:.5f}, {lat:.5f}）：墙内 {n} 个居民单元（{hh:,.0f} 户）无法步行到达"
        logger.warning("barriers %s: %s; give the gates (--gates)", ids, en)
        out.append((ids, (en, zh), n, hh))
    return out


def _wall_name(barriers: pd.DataFrame, k: int) -> str:
    """The ``k``-th row of ``barriers`` by its name (a name column: ``name``, ``名称`` ...), else its index."""
    from spatial.io.columns import find_column

    col = find_column(barriers, "name", layer="barriers", required=False)
    name = barriers[col].iloc[k] if col is not None else None
    return label_text(name) if name is not None and not pd.isna(name) and str(name).strip() else label_text(barriers.index[k])


def walled_notes(walks: pd.DataFrame, d_xy: np.ndarray, stations_xy: np.ndarray, station_ids, barriers: pd.DataFrame,
                 lines: np.ndarray, households: np.ndarray, edges: np.ndarray, gates_xy, crs,
                 detour_factor: float) -> tuple[list, list]:
    """``(enclosed, gateless)``: :func:`enclosed_rows` and :func:`gateless_rows` of walks already
    made (``walks``' ``walk_m``, ``nearest_station``, ``access``, ``reason``), for the whole
    demand of a run split in parts (``spatial.project.distributed``: each part's walks are of its
    own homes, its households unknown to it). Which homes walked straight across their walls to
    their station is found again as :func:`spatial.network.routing.inside_walls` makes those
    walks: home and station in the same walls no walkway of ``edges`` enters, and the walk the
    straight line times ``detour_factor``."""
    walls = rooms(lines, edges)
    d_xy = np.asarray(d_xy, np.float64).reshape(-1, 2)
    s_xy = np.asarray(stations_xy, np.float64).reshape(-1, 2)
    across = np.zeros(len(walks), bool)
    if len(walls) and len(walks):
        home_room, station_room = room_of(walls, d_xy), room_of(walls, s_xy)
        pos = {label_text(s): k for k, s in enumerate(station_ids)}
        near = walks["nearest_station"].map(lambda v: -1 if pd.isna(v) else pos.get(label_text(v), -1)).to_numpy(np.int64)
        ok = (near >= 0) & (home_room >= 0)
        same = np.zeros(len(walks), bool)
        same[ok] = station_room[near[ok]] == home_room[ok]
        d = np.full(len(walks), np.nan)
        d[same] = np.hypot(*(s_xy[near[same]] - d_xy[same]).T) * detour_factor
        walk = walks["walk_m"].to_numpy(np.float64)
        across = same & (np.abs(walk - d) <= 1e-6)
    enclosed = enclosed_rows(walks, d_xy, s_xy, station_ids, lines, households, edges, across, detour_factor)
    gateless = gateless_rows(walks, d_xy, barriers, lines, households, edges, gates_xy, crs)
    return enclosed, gateless
