"""The walking filter: which OpenStreetMap ways people may walk on, in one place for every reader.

Every reader (``.osm``/``.osm.bz2``/``.osm.gz``/``.osm.pbf``, ``.graphml`` and networkx graphs,
line layers with a ``highway`` column) hands its tags to :func:`drop_reasons`; a way is dropped
when any rule below matches, and the first rule that matches is the reason reported.

It follows osmnx 2's ``walk`` network filter, written out as rules on tag values (osmnx sends the
filter to Overpass as regular expressions, which a file on disk cannot use):

========================  ====================================================================
rule                      drops a way when
========================  ====================================================================
no highway tag            it has no ``highway`` tag (buildings, railways, landuse, fences, ...)
``area=yes``              it outlines an area (a square or platform drawn as a polygon)
``highway=...``           its class is in ``exclude_highways`` (default
                          :data:`DEFAULT_EXCLUDED_HIGHWAYS`)
``foot=no``               walking is forbidden (also ``foot=private``)
``access=private|no``     access is private or forbidden, unless ``foot=yes|designated|
                          permissive`` allows walking
``service=private``       a private service road
``sidewalk=separate``     the street's sidewalks are mapped as their own ways (also
                          ``sidewalk:both|left|right``), so the street itself is not walked
``tunnel=yes``            a ``primary`` or ``secondary`` road (or its link) in a tunnel, unless
                          ``foot=yes|designated|permissive`` or a sidewalk is tagged
========================  ====================================================================

Where this differs from osmnx, on purpose:

* **Cycleways are kept** (osmnx drops every ``highway=cycleway``). In Chinese cities many are
  shared with pedestrians, and in Helsinki most carry ``foot=designated``; a cycleway tagged
  ``foot=no`` is still dropped by the ``foot`` rule.
* **Trunk roads are dropped** (``trunk``, ``trunk_link``; osmnx keeps them): in China they are
  expressway-like arterials without footways. Pass ``exclude_highways`` to change it.
* **Road tunnels are dropped** (osmnx keeps them): a primary or secondary road in a tunnel is for
  cars (Shanghai's 人民路隧道 and 外滩隧道 run under 人民路 and 中山东一路; its cross-river tunnels
  join Puxi and Pudong, which no one walks), and a home above one would be snapped to it and walk
  on from under the street. ``tunnel=building_passage``, ``culvert`` and the like are not tunnels
  of a road; footways, cycleways and smaller streets in tunnels (underpasses) are kept, and so is a
  road tunnel tagged ``foot=yes|designated|permissive`` or with a sidewalk. A read that keeps every
  class (``exclude_highways=()``, as grid borders read roads) keeps the tunnels too.
* ``access=no`` is dropped like ``access=private`` (osmnx only drops ``private``), and ``foot=yes``,
  ``designated`` or ``permissive`` overrides both, as OSM means it.
* **Service roads in gated estates** (小区) are kept unless tagged ``access=private|no`` or
  ``service=private`` (osmnx drops the private ones too): people who do not live there cannot
  cut through. A home inside an estate whose lanes are private reaches the public street along
  its straight leg from the snapped point (at most ``max_snap_m``), or is reported too far from
  the network; ``read_network(keep_private=True)`` keeps these lanes instead (and lets walks cut
  through estates).

A value holding several classes (osmnx merges ways into lists, written here as ``"a;b"``) is
dropped when any of its parts is dropped.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_EXCLUDED_HIGHWAYS", "TAG_KEYS", "FEATURE_KEYS", "CAR_CLASSES", "drop_reasons", "in_tunnel",
           "off_ground", "off_ground_kind", "ON_BRIDGE", "IN_TUNNEL", "MERGED", "BOARDWALK", "NOT_SET", "walk_tagged",
           "foot_tagged"]

#: OSM ``highway`` classes nobody walks on: osmnx 2's ``walk`` exclusions (without ``cycleway``)
#: plus trunk roads. An edge is dropped when any of its classes is here.
DEFAULT_EXCLUDED_HIGHWAYS: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "abandoned", "bus_guideway", "construction",
    "no", "planned", "platform", "proposed", "raceway", "razed", "rest_area", "services",
)

#: The tags the filter reads (plus ``name``, kept on every edge).
TAG_KEYS: tuple[str, ...] = (
    "highway", "area", "foot", "access", "service", "sidewalk", "sidewalk:both", "sidewalk:left",
    "sidewalk:right", "tunnel",
)

#: Keys that say what a way without ``highway`` is, in the order they are named in the report.
FEATURE_KEYS: tuple[str, ...] = (
    "building", "railway", "landuse", "barrier", "natural", "waterway", "leisure", "amenity",
    "man_made", "power", "boundary", "aeroway", "place", "public_transport",
)

_FOOT_ALLOWED = {"yes", "designated", "permissive"}
_FOOT_FORBIDDEN = {"no", "private"}
_ACCESS_FORBIDDEN = {"private", "no"}
_SIDEWALK_KEYS = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
#: A ``bridge`` or ``tunnel`` field saying no (or nothing): OSM's ``no``, Geofabrik's ``F``, a GIS
#: layer's 0/false, the Y/N of HERE's and other road layers, 否.
NOT_SET = frozenset({"", "no", "f", "false", "0", "n", "否"})
#: A way in a tunnel (Geofabrik's shapefiles write T/F, others Y/N or 是/否); building_passage,
#: culvert ... are not.
_TUNNEL = {"yes", "t", "true", "1", "y", "是"}
#: ``bridge`` values of a way that is no bridge, or one at the ground's or the water's level: a
#: ford-like crossing, and a boardwalk (OSM: a plank walkway "usually low above the ground",
#: through a marsh, a wetland or along a shore: walked and linked to from beside it as a path, and
#: up and down with the ground; until December 2026 it was a bridge, reached only near its ends)
_NO_BRIDGE = NOT_SET | {"low_water_crossing", "abandoned", "boardwalk"}
#: Road classes whose tunnels are for cars (the trunk roads and motorways are dropped anyway).
_CAR_TUNNEL_CLASSES = {"primary", "primary_link", "secondary", "secondary_link"}
_SIDEWALK_YES = {"both", "left", "right", "yes"}
#: Road classes for cars: the approach of a dropped tunnel in one of them is dropped with it
#: (:func:`spatial.network.read.read_network`).
CAR_CLASSES = frozenset({*_CAR_TUNNEL_CLASSES, "trunk", "trunk_link", "motorway", "motorway_link"})


def _text(values: pd.Series) -> np.ndarray:
    """Tag values as stripped lower-case text ("" when absent)."""
    return values.fillna("").astype(str).str.strip().str.lower().to_numpy(object)


def foot_tagged(tags: pd.DataFrame) -> bool:
    """Whether any row of ``tags`` has a ``foot`` or ``sidewalk`` (``sidewalk:*``) tag. An osmnx
    graph saved with osmnx's default ``useful_tags_way`` has none: a way closed to people on foot
    cannot be told there.

    Examples
    --------
    >>> foot_tagged(pd.DataFrame({"highway": ["footway"], "foot": [""]}))
    False
    >>> foot_tagged(pd.DataFrame({"sidewalk:left": ["no"]}))
    True
    """
    keys = [k for k in tags.columns if k == "foot" or str(k).startswith("sidewalk")]
    return any((_text(tags[k]) != "").any() for k in keys)


def per_value(text: np.ndarray, fn) -> np.ndarray:
    """``fn`` (an array of values to an array as long) worked out once a distinct value of
    ``text`` (tag values, each a str) and given back a value a row: a city's road layer has 1.8
    million rows of a handful of tag values, and a pandas text method on an object column calls
    Python once a row.

    Examples
    --------
    >>> per_value(np.array(["a;b", "", "a;b"], dtype=object), lambda u: [";" in v for v in u]).tolist()
    [True, False, True]
    """
    codes, values = pd.factorize(np.asarray(text, dtype=object), use_na_sentinel=False)
    return np.asarray(fn(np.asarray(values, dtype=object)))[codes]


def _contains(text: np.ndarray, part: str) -> np.ndarray:
    """Whether each value holds ``part`` (as ``Series.str.contains(part, regex=False)``)."""
    return per_value(text, lambda u: pd.Series(u, dtype=object).str.contains(part, regex=False).to_numpy(bool))


def _hits(text: np.ndarray, wanted: set[str]) -> np.ndarray:
    """The first wanted part of each value ("" when none); values may hold parts split by ';'."""
    def hits(values: np.ndarray) -> np.ndarray:
        series = pd.Series(values, dtype=object)
        out = np.where(series.isin(wanted).to_numpy(bool), values, "").astype(object)
        for i in np.flatnonzero(series.str.contains(";", regex=False).to_numpy(bool)):
            found = {p.strip() for p in values[i].split(";")} & wanted
            out[i] = min(found) if found else ""
        return out

    return per_value(text, hits).astype(object)


def in_tunnel(tags: pd.DataFrame) -> np.ndarray:
    """Whether each way's ``tunnel`` tag puts it in a tunnel (``yes``, Geofabrik's ``T`` ...; not
    ``building_passage`` or ``culvert``), whatever the filter made of it.

    Examples
    --------
    >>> in_tunnel(pd.DataFrame({"tunnel": ["yes", "building_passage", "", "T"]})).tolist()
    [True, False, False, True]
    """
    if "tunnel" not in tags.columns:
        return np.zeros(len(tags), dtype=bool)
    return _hits(_text(tags["tunnel"]), _TUNNEL) != ""


#: Bits of :func:`off_ground_kind`: a bridge on the edge, a tunnel in it (both: an edge osmnx merged
#: from a bridge and a tunnel), and the edge merged from several ways (osmnx's simplification), so
#: the bridge or tunnel may be only part of it; and a boardwalk, at the ground's level (not off
#: the ground: linked to from beside it and walked on the ground, but not over the water it
#: crosses, :mod:`spatial.network._links`).
ON_BRIDGE, IN_TUNNEL, MERGED, BOARDWALK = 1, 2, 4, 8


def off_ground_kind(tags: pd.DataFrame) -> np.ndarray:
    """Whether each way runs on a bridge (bit :data:`ON_BRIDGE`: ``yes``, ``viaduct``,
    ``trestle`` ..., Geofabrik's ``T``) or in a tunnel (bit :data:`IN_TUNNEL`: ``yes``, ``T``;
    not a building passage or a culvert). Not a ford-like ``low_water_crossing`` nor a
    ``boardwalk``, at the ground's level: that is bit :data:`BOARDWALK` alone. A value merged
    by osmnx from several ways (``yes;no``) adds :data:`MERGED`: the bridge is part of the edge
    (a reader adds it too where the edge's OSM ids are a list, ``yes`` alone when the streets
    beside the bridge had no ``bridge`` tag).

    A bridge's deck never lies below the straight line between its ends, a tunnel's tube never
    above it (:mod:`spatial.network.elevation`).

    Examples
    --------
    >>> off_ground_kind(pd.DataFrame({"bridge": ["yes", "", "T", "yes;no", "viaduct", "", "yes", "boardwalk"],
    ...                               "tunnel": ["", "yes", "", "", "", "building_passage", "no;yes", ""]})).tolist()
    [1, 2, 1, 5, 1, 0, 7, 8]
    """
    out = np.zeros(len(tags), dtype=np.int8)
    if "bridge" in tags.columns:
        text = _text(tags["bridge"])
        bridge = ~pd.Series(text, dtype=object).isin(_NO_BRIDGE).to_numpy(bool)
        several = _contains(text, ";")
        for i in np.flatnonzero(bridge & several):
            bridge[i] = any(p.strip() not in _NO_BRIDGE for p in text[i].split(";"))
        out[bridge] |= ON_BRIDGE
        out[bridge & several] |= MERGED
        boardwalk = _contains(text, "boardwalk")
        out[boardwalk] |= BOARDWALK
        out[boardwalk & several] |= MERGED
    if "tunnel" in tags.columns:
        text = _text(tags["tunnel"])
        tunnel = _hits(text, _TUNNEL) != ""
        out[tunnel] |= IN_TUNNEL
        out[tunnel & _contains(text, ";")] |= MERGED
    return out


def off_ground(tags: pd.DataFrame) -> np.ndarray:
    """Whether each way runs on a bridge or in a tunnel, over all or part of it
    (:func:`off_ground_kind` not 0): its height is not that of the ground under it there.

    Examples
    --------
    >>> off_ground(pd.DataFrame({"bridge": ["yes", "", "T", "yes;no", "low_water_crossing", ""],
    ...                          "tunnel": ["", "yes", "", "", "", "building_passage"]})).tolist()
    [True, True, True, True, False, False]
    """
    return (off_ground_kind(tags) & (ON_BRIDGE | IN_TUNNEL)) != 0


def walk_tagged(tags: pd.DataFrame) -> np.ndarray:
    """Whether each way is tagged for people on foot: ``foot=yes|designated|permissive`` or a
    sidewalk on it (``sidewalk=both|left|right|yes``, or one of ``sidewalk:both|left|right``).

    Examples
    --------
    >>> walk_tagged(pd.DataFrame({"sidewalk": ["both", "no", "", "separate"], "foot": ["", "", "yes", ""]})).tolist()
    [True, False, True, False]
    """
    def hit(key: str, wanted: set[str]) -> np.ndarray:
        if key not in tags:  # a tag no row has: no row is walked by it ("" is never wanted)
            return np.zeros(len(tags), dtype=bool)
        return _hits(_text(tags[key]), wanted) != ""

    walked = hit("foot", _FOOT_ALLOWED)
    for key in _SIDEWALK_KEYS:
        walked |= hit(key, _SIDEWALK_YES)
    return walked


def feature_label(tags: Mapping[str, str]) -> str:
    """What a way without a ``highway`` tag is, for the report: ``building=yes``, ``railway=rail``."""
    for key in FEATURE_KEYS:
        value = tags.get(key)
        if value:
            return f"{key}={value}"
    return "other tags"


def drop_reasons(tags: pd.DataFrame, *, exclude_highways: Iterable[str] = DEFAULT_EXCLUDED_HIGHWAYS,
                 keep_private: bool = False, need_highway: bool = True) -> np.ndarray:
    """Why each way is not walkable: ``""`` to keep it, else the rule as ``key=value`` text.

    Parameters
    ----------
    tags : pandas.DataFrame
        One row per way; columns among :data:`TAG_KEYS` (missing columns mean the tag is absent),
        values as text (``""`` or NaN when absent). A column ``feature`` (optional) names what a
        way without ``highway`` is (see :func:`feature_label`).
    exclude_highways : iterable of str
        ``highway`` classes to drop.
    keep_private : bool
        Keep ways that are private or closed to the public (``access=private|no``,
        ``foot=private``, ``service=private``): the lanes of gated estates.
    need_highway : bool
        Drop ways without a ``highway`` value (OSM sources). Line layers pass False: a road drawn
        by hand has no class, and is kept unless another column says it is a railway or a building.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` object array of reasons, e.g. ``"no highway tag (building=yes)"``, ``"foot=no"``,
        ``"highway=construction"``, ``"access=private"``.
    """
    rows = _distinct_rows(tags)
    if rows is not None:  # the rules read each row alone: decide once per distinct row of tags
        first, inverse = rows
        return _reasons(tags.iloc[first], exclude_highways=exclude_highways, keep_private=keep_private,
                        need_highway=need_highway)[inverse]
    return _reasons(tags, exclude_highways=exclude_highways, keep_private=keep_private, need_highway=need_highway)


def _distinct_rows(tags: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """``(first, inverse)``: the first row of each distinct row of ``tags`` and each row's distinct
    row; None when there is little to gain or a value is not text (``1`` and ``1.0`` hash alike
    but read as different text)."""
    n = len(tags)
    if n < 64:
        return None
    key = np.zeros(n, dtype=np.int64)
    for name in [k for k in (*TAG_KEYS, "feature") if k in tags]:  # the columns the rules read
        try:
            codes, uniques = pd.factorize(tags[name], use_na_sentinel=False)
        except TypeError:  # unhashable values
            return None
        if not all(isinstance(u, str) or u is None or u is pd.NA or (isinstance(u, float) and u != u)
                   for u in uniques):
            return None
        # both factors are below n: the product stays far inside int64, and renumbering keeps it so
        key, distinct = pd.factorize(key * len(uniques) + codes.astype(np.int64))
        if len(distinct) > n // 2:
            return None
        key = key.astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _reasons(tags: pd.DataFrame, *, exclude_highways: Iterable[str], keep_private: bool,
             need_highway: bool) -> np.ndarray:
    """:func:`drop_reasons` of every row."""
    n = len(tags)
    reason = np.full(n, "", dtype=object)

    def col(key: str) -> pd.Series:
        if key in tags:
            return tags[key].reset_index(drop=True)
        return pd.Series([""] * n, dtype=object)

    def mark(mask: np.ndarray, prefix: str, values: np.ndarray | None = None) -> None:
        todo = mask & (reason == "")
        if todo.any():
            reason[todo] = prefix if values is None else [f"{prefix}{v}" for v in values[todo]]

    highway = _text(col("highway"))
    feature = _text(col("feature")) if "feature" in tags else np.full(n, "", object)
    feature = np.where(feature != "", col("feature").fillna("").astype(str).to_numpy(object), "")
    no_hw = highway == ""
    has_feature = feature != ""
    mark(no_hw & has_feature, "no highway tag (", feature + ")")
    if need_highway:
        mark(no_hw, "no highway tag")
    mark(_hits(_text(col("area")), {"yes"}) != "", "area=yes")
    excluded = {str(h).strip().lower() for h in exclude_highways}
    bad_hw = _hits(highway, excluded)
    mark(bad_hw != "", "highway=", bad_hw)
    foot = _text(col("foot"))
    bad_foot = _hits(foot, {"no"} if keep_private else _FOOT_FORBIDDEN)
    mark(bad_foot != "", "foot=", bad_foot)
    if excluded:  # a read for walks (one for grid borders keeps every class, tunnels too)
        car = _hits(highway, _CAR_TUNNEL_CLASSES)
        walked = walk_tagged(tags)
        mark((_hits(_text(col("tunnel")), _TUNNEL) != "") & (car != "") & ~walked, "tunnel=yes on highway=", car)
    if not keep_private:
        foot_ok = _hits(foot, _FOOT_ALLOWED) != ""
        bad_access = _hits(_text(col("access")), _ACCESS_FORBIDDEN)
        mark((bad_access != "") & ~foot_ok, "access=", bad_access)
        mark(_hits(_text(col("service")), {"private"}) != "", "service=private")
    for key in _SIDEWALK_KEYS:
        mark(_hits(_text(col(key)), {"separate"}) != "", f"{key}=separate")
    return reason
