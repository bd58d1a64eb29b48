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

import numpy as np
import pandas as pd

from spatial.core.checks import label_text
from spatial.network._rooms import room_of, rooms
from spatial.network.snapping import ESTIMATED, UNREACHABLE

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
        en = (f"inside walls no mapped path enters, with {n} home{'s' if n > 1 else ''} ({hh:,.0f} households), "
              f"walked across on estimated walks (straight line x{detour_factor:g}): {hh_it:,.0f} households walk "
              f"straight across to it, {hh_other:,.0f} to another station, {hh_none:,.0f} have no walk")
        zh = (f"位于围墙内（墙内道路未入图）：墙内 {n} 个居民单元（{hh:,.0f} 户）按直线距离×{detour_factor:g} 估算步行："
              f"{hh_it:,.0f} 户穿过墙内直接步行到本站，{hh_other:,.0f} 户步行到其他站点，{hh_none:,.0f} 户无法步行到达")
        logger.warning("station %s is %s", sid, en)
        out.append((label_text(sid), (en, zh)))
    return out
