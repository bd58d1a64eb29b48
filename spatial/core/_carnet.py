"""The finding that a walking network looks like one drawn for cars, in words, and its reader.

:func:`spatial.network.read.read_network` adds the report row (:func:`car_row`) when a network of
tagged streets has no footway, path, pedestrian street, steps or service lane at all (osmnx's
``drive`` network drops exactly these): walks then follow the roads only. The console and the
数据问题清单 said it; the official reads the map and the folder's README.txt, so the walks keep it
(``attrs["car_network"]`` of :func:`spatial.coverage.walks.walking_coverage`'s result) and a map
drawn from a coverage file reads it back from the file's report layer (:func:`car_network`).
The sentence and its reader live together, so neither changes alone. Words only, in core: the
network's reader writes the row and ``spatial map`` reads it without loading the walking network.
"""

from __future__ import annotations

import re

__all__ = ["car_row", "car_network", "CAR_NOTE"]

_PROBLEM = ("no footway, path, pedestrian street, steps or service lane among its {n:,} walkable street segments: "
            "it looks like a network for cars (osmnx network_type='drive')")
_ACTION = ("walks follow the roads only, so coverage reads low where paths cut through blocks and estates; "
           "read a walking network (osmnx network_type 'walk' or 'all', or an OSM extract with its footways)")
_PROBLEM_ZH = ("{n:,} 个可步行路段中没有人行道、小路、步行街、台阶或内部道路：看起来是机动车路网"
               "（osmnx network_type='drive'）")
_ACTION_ZH = ("步行只能沿车行道路计算，有小路穿过街坊和小区的地方覆盖率会偏低；"
              "请使用步行路网（osmnx network_type 'walk' 或 'all'，或含人行道的 OSM 数据）")
_READ = re.compile(r"^no footway, path, pedestrian street, steps or service lane among its [\d,]+ walkable street "
                   r"segments: it looks like a network for cars")

#: The short line the maps, the printed overview and README.txt give (``{lang: text}``).
CAR_NOTE = {
    "zh": "注意：路网中没有人行道、小路等步行道路（看起来是机动车路网），步行距离只能沿车行道路计算，"
          "有小路穿过街坊和小区的地方覆盖率会偏低；请换用步行路网",
    "en": "Note: the network has no footways or paths (it looks like a network for cars): walks follow the "
          "roads only, so coverage reads low where paths cut through blocks and estates; use a walking network",
}


def car_row(n_edges: int) -> tuple[str, str, tuple[str, str]]:
    """The report row's problem, action and their Chinese, for a network of ``n_edges`` segments.

    Examples
    --------
    >>> problem, action, zh = car_row(1031)
    >>> problem.startswith("no footway") and "1,031" in problem and car_network(
    ...     {"layer": ["network"], "problem": [problem]})
    True
    """
    return (_PROBLEM.format(n=n_edges), _ACTION, (_PROBLEM_ZH.format(n=n_edges), _ACTION_ZH))


def car_network(report) -> bool:
    """Whether a report (a :class:`spatial.Report`, its table, a GeoPackage's report layer, or
    columns as a dict) holds the row of :func:`car_row`: a network row saying it looks like a
    network for cars.

    Examples
    --------
    >>> car_network({"layer": ["network"], "problem": ["highway=trunk: 17 segments, 4.991 km"]})
    False
    >>> car_network(None)
    False
    """
    if report is None:
        return False
    if hasattr(report, "to_frame"):  # a Report as it is built
        report = report.to_frame()
    try:
        layers, problems = list(report["layer"]), list(report["problem"])
    except (KeyError, TypeError):
        return False
    return any(str(layer) == "network" and bool(_READ.match(str(problem))) for layer, problem in zip(layers, problems))
