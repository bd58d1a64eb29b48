"""The words of report rows and maps in Chinese: why a point or edge was left out of a walk, gap
notes, layer names and GEOS's reasons for an invalid geometry. Tables only; imports nothing of
this package. Every caller imports them from :mod:`spatial.core.checks`."""

from __future__ import annotations

import re

#: Why a point or an edge was left out of a walk (the ``reason`` values of coverage and slopes), in
#: Chinese: the words of the maps and of the report rows that repeat these reasons.
REASONS_ZH = {
    "too far from network": "距路网过远",
    "in a dropped network component": "位于与主路网不连通的路段",
    "no station in its network component": "所在路网片段内没有服务站",
    "no station within max_walk_m": "最大步行距离内没有服务站",
    "cut off by a barrier": "被围墙、河流或干道阻隔",
    "in walls with no gate given": "位于围墙内，未给出大门（请补充大门）",
    "no location (empty geometry)": "没有位置（几何为空）",
    "no elevation: outside the DEM": "无高程：位于高程数据范围外",
    "no elevation: DEM nodata/NaN cells": "无高程：高程数据为空值",
    "no elevation: node without an 'elevation' attribute": "无高程：节点没有 'elevation' 属性",
    "no elevation: node 'elevation' below -500 m or above 9000 m (a void)":
        "无高程：节点 'elevation' 低于 -500 米或高于 9000 米（空值）",
    "no elevation: DEM slope over 100% (a bridge not tagged, a cliff, or nodata written as heights)":
        "无高程：高程数据坡度超过 100%（未标注的桥梁、陡崖，或空值被写成了高程）",
}


#: Why a station the walks reach serves nobody: every home is nearer another station, named as the
#: one nearest the station's own nearest home is (``{station}``), or ties with one at the same place
#: (a 站 in its 中心's building): the station's ``reason``, as the stations no walk reaches have theirs
#: (:func:`spatial.io._figures.idle_reasons`). ``{English: Chinese}``.
NEARER = "its homes are all nearer {station}"
SAME_PLACE = "at the same place as {station}, which counts its homes"
IDLE_ZH = {NEARER: "附近住户都离{station}更近", SAME_PLACE: "与{station}在同一位置，住户计入该站"}
_IDLE_RE = [(re.compile(re.escape(en).replace(re.escape("{station}"), "(.+)")),
             re.compile(re.escape(zh).replace(re.escape("{station}"), "(.+)")), zh) for en, zh in IDLE_ZH.items()]


def nearer_reason(reason) -> bool:
    """Whether ``reason`` is one of a station the walks reach (:data:`IDLE_ZH`: it serves nobody
    because its homes are nearer another station, or counted by one at the same place), in English
    or Chinese.

    Examples
    --------
    >>> nearer_reason("its homes are all nearer 甲站"), nearer_reason("附近住户都离甲站更近"), nearer_reason("too far from network")
    (True, True, False)
    """
    return any(en.fullmatch(str(reason)) or zh.fullmatch(str(reason)) for en, zh, _ in _IDLE_RE)


def reason_zh(reason) -> str:
    """A ``reason`` value (see :data:`REASONS_ZH`, :data:`IDLE_ZH`) in Chinese; an unknown one
    unchanged, as text.

    Examples
    --------
    >>> reason_zh("too far from network"), reason_zh("something else")
    ('距路网过远', 'something else')
    >>> reason_zh("its homes are all nearer 甲社区党群服务中心")
    '附近住户都离甲社区党群服务中心更近'
    """
    for en, _, zh in _IDLE_RE:
        if (match := en.fullmatch(str(reason))):
            return zh.format(station=match.group(1))
    return REASONS_ZH.get(str(reason), str(reason))


def gap_note_zh(note) -> str:
    """A gap's ``note`` (:func:`spatial.coverage.gaps.coverage_gaps`) in Chinese; an unknown one unchanged.

    Examples
    --------
    >>> gap_note_zh("grouped by straight distance: too far from network")
    '按直线距离归组：距路网过远'
    >>> gap_note_zh("2 of 3 points grouped by straight distance: estimated walk")
    '3 个居民单元中 2 个按直线距离归组：估算步行'
    """
    text = "" if note is None or (isinstance(note, float) and note != note) else str(note)
    match = re.fullmatch(r"(?:(\d+) of (\d+) points )?grouped by straight distance: (.*)", text)
    if match:
        some, of, why = match.groups()
        why = {"estimated walk": "估算步行", "not snapped": "未吸附到路网"}.get(why, reason_zh(why))
        return (f"{of} 个居民单元中 {some} 个" if some else "") + f"按直线距离归组：{why}"
    match = re.fullmatch(r"(?:(\d+) of (\d+) points )?no location \(empty geometry\): a gap of its own", text)
    if match:
        some, of = match.groups()
        return (f"{of} 个居民单元中 {some} 个" if some else "") + "没有位置（几何为空）：单独成一个盲区"
    return text


#: Layer names in the words of a Chinese report row.
LAYERS_ZH = {
    "communities": "社区", "units": "单元", "stations": "服务站", "network_edges": "路网", "network": "路网",
    "roads": "道路", "buildings": "建筑", "grids": "网格", "plan": "网格方案", "candidates": "候选点",
    "demand": "需求点", "households": "住户", "coverage_demand": "需求点", "unified": "统一网格",
    "barriers": "围墙与阻隔", "gates": "大门",
}


def layer_zh(name) -> str:
    """A layer name in Chinese (:data:`LAYERS_ZH`; an unknown name unchanged)."""
    return LAYERS_ZH.get(str(name), str(name))


#: GEOS's reasons for an invalid geometry (``shapely.is_valid_reason``), in Chinese.
_INVALID_ZH = (("Ring Self-intersection", "环自相交"), ("Self-intersection", "自相交"),
               ("Too few points in geometry component", "组成部分的点数过少"),
               ("Interior is disconnected", "内部不连通"), ("Hole lies outside shell", "洞位于外环之外"),
               ("Nested holes", "洞相互嵌套"), ("Nested shells", "外环相互嵌套"), ("Duplicate Rings", "环重复"),
               ("Invalid Coordinate", "坐标无效"), ("Ring is not closed", "环未闭合"))


def invalid_zh(reason: str) -> str:
    """A reason of ``shapely.is_valid_reason`` in Chinese, with its location kept.

    Examples
    --------
    >>> invalid_zh("Self-intersection[1 2]")
    '自相交[1 2]'
    """
    for en, zh in _INVALID_ZH:
        if reason.startswith(en):
            return zh + reason[len(en):]
    return reason
