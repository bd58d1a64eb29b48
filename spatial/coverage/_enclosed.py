"""Stations inside a walled area (a gated estate's 党群服务站 in its community building) whose
homes there are walked to the station only out and back in through a gate.

The walks never go straight from a home to a station across unmapped ground: each leaves by its
own leg to the nearest walkway (through a gate where ``--gates`` are given) and the station is
reached by its own. Inside one wall with the estate's paths unmapped, a home 50 m from its
estate's station walked 562 m out through the gate and back in, and one 112 m away whose way
out through the gate was over ``max_off_network_m`` had no walk at all, "cut off by a barrier".
The walks stay as they are (one rule for every home); :func:`enclosed_rows` says, for each such
station, how many of the homes within its walls have no walk and how many walk round by a gate,
and what to do, as a row of the report (the workbook's 数据问题清单).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import label_text
from spatial.network.snapping import ESTIMATED, UNREACHABLE

logger = logging.getLogger("spatial.coverage.walks")

#: What to do about the homes within a station's walls (English, Chinese).
ACTION = ("kept as walked; map the paths inside the walls (OSM footways; private lanes with --keep-private) or "
          "give the gates (--gates): a walk is never estimated straight across a wall's inside to the station",
          "按现有步行结果保留；请补绘墙内道路（OSM 步行道；私有道路用 --keep-private）或补充大门（--gates）："
          "墙内到本站的直线步行不作估算")


def walled_areas(barriers) -> np.ndarray:
    """The areas the ``barriers`` enclose (polygons as given, and the faces closed rings and lines
    meeting end to end shut in), as polygons; empty without any."""
    geoms = np.empty(0, object) if barriers is None else np.asarray(barriers, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        return np.empty(0, object)
    poly = np.isin(shapely.get_type_id(geoms), (3, 6))
    parts = [shapely.get_parts(geoms[poly])]
    lines = geoms[~poly]
    if len(lines):
        noded = shapely.union_all(lines)  # walls drawn as lines meeting end to end shut in their faces
        parts.append(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    return np.concatenate(parts)


def enclosed_rows(demand: pd.DataFrame, d_xy: np.ndarray, stations_xy: np.ndarray, station_ids, walls: np.ndarray,
                  households: np.ndarray, edges: np.ndarray) -> list[tuple[str, tuple[str, str]]]:
    """``[(station id, (problem, 问题)), ...]``: each station inside one of the ``walls`` (areas,
    :func:`walled_areas`, in the network's metres) that no walkway of the network (``edges``, its
    lines) enters, with homes inside the same area that have no walk or an estimated one
    (``demand``'s ``access``; ``d_xy`` their points, ``households`` each one's households); the
    station's smallest area is taken. An area a walkway enters (a block ringed by arterials
    given as barriers, an estate whose paths are mapped) is walked inside: nothing is said."""
    if not len(walls) or not len(demand):
        return []
    tree = shapely.STRtree(edges)
    pair = tree.query(walls, predicate="intersects")
    entered = np.zeros(len(walls), dtype=bool)
    inner = shapely.relate_pattern(walls[pair[0]], edges[pair[1]], "T********")  # interiors meet
    entered[pair[0][inner]] = True
    walls = walls[~entered]
    out = []
    area = shapely.area(walls)
    access = demand["access"].astype(str).to_numpy()
    seen = np.flatnonzero(np.isfinite(d_xy).all(axis=1))
    homes = shapely.STRtree(shapely.points(d_xy[seen]))  # a city's homes: each wall asks only its own
    for k, sid in enumerate(station_ids):
        at = shapely.points(stations_xy[k])
        inside = np.flatnonzero(shapely.contains(walls, at))
        if not np.isfinite(stations_xy[k]).all() or not len(inside):
            continue
        wall = walls[inside[np.argmin(area[inside])]]
        mine = np.zeros(len(demand), dtype=bool)
        mine[seen[homes.query(wall, predicate="contains")]] = True
        none, round_ = mine & (access == UNREACHABLE), mine & (access == ESTIMATED)
        if not (none.any() or round_.any()):
            continue
        n, hh, hh_none, hh_round = int(mine.sum()), households[mine].sum(), households[none].sum(), households[round_].sum()
        en = (f"inside walls with {n} home{'s' if n > 1 else ''} ({hh:,.0f} households) that reach it only by way of a "
              f"mapped walkway (out through a gate where given): {hh_none:,.0f} households there have no walk, "
              f"{hh_round:,.0f} walk out and back in")
        zh = (f"位于围墙内：墙内 {n} 个居民单元（{hh:,.0f} 户）只能先走到已入图的道路（有大门时经大门）再折回本站，"
              f"其中 {hh_none:,.0f} 户无法步行到达，{hh_round:,.0f} 户绕行")
        logger.warning("station %s is %s", sid, en)
        out.append((label_text(sid), (en, zh)))
    return out
