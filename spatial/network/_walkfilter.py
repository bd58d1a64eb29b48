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
========================  ====================================================================

Where this differs from osmnx, on purpose:

* **Cycleways are kept** (osmnx drops every ``highway=cycleway``). In Chinese cities many are
  shared with pedestrians, and in Helsinki most carry ``foot=designated``; a cycleway tagged
  ``foot=no`` is still dropped by the ``foot`` rule.
* **Trunk roads are dropped** (``trunk``, ``trunk_link``; osmnx keeps them): in China they are
  expressway-like arterials without footways. Pass ``exclude_highways`` to change it.
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

__all__ = ["DEFAULT_EXCLUDED_HIGHWAYS", "TAG_KEYS", "FEATURE_KEYS", "drop_reasons"]

#: OSM ``highway`` classes nobody walks on: osmnx 2's ``walk`` exclusions (without ``cycleway``)
#: plus trunk roads. An edge is dropped when any of its classes is here.
DEFAULT_EXCLUDED_HIGHWAYS: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "abandoned", "bus_guideway", "construction",
    "no", "planned", "platform", "proposed", "raceway", "razed", "rest_area", "services",
)

#: The tags the filter reads (plus ``name``, kept on every edge).
TAG_KEYS: tuple[str, ...] = (
    "highway", "area", "foot", "access", "service", "sidewalk", "sidewalk:both", "sidewalk:left",
    "sidewalk:right",
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


def _parts(values: pd.Series) -> pd.Series:
    """Each value as a set of its ';'-separated parts, lower case and stripped."""
    return values.fillna("").astype(str).str.lower().map(
        lambda s: {p.strip() for p in s.split(";") if p.strip()})


def _hits(parts: pd.Series, forbidden: set[str]) -> pd.Series:
    """The first forbidden part of each value ("" when none)."""
    return parts.map(lambda ps: min(ps & forbidden) if ps & forbidden else "")


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
    n = len(tags)
    reason = np.full(n, "", dtype=object)

    def col(key: str) -> pd.Series:
        if key in tags:
            return tags[key].reset_index(drop=True)
        return pd.Series([""] * n, dtype=object)

    def mark(mask: np.ndarray, text) -> None:
        todo = mask & (reason == "")
        if todo.any():
            reason[todo] = text[todo] if isinstance(text, np.ndarray) else text

    highway = _parts(col("highway"))
    feature = col("feature").fillna("").astype(str).to_numpy(object)
    no_hw = (highway.map(len) == 0).to_numpy(bool)
    if need_highway:
        mark(no_hw, np.array([f"no highway tag ({f})" if f else "no highway tag" for f in feature], object))
    else:
        mark(no_hw & (feature != ""), np.array([f"no highway tag ({f})" for f in feature], object))
    area = _hits(_parts(col("area")), {"yes"}).to_numpy(object)
    mark(area != "", "area=yes")
    excluded = {str(h).strip().lower() for h in exclude_highways}
    bad_hw = _hits(highway, excluded).to_numpy(object)
    mark(bad_hw != "", np.array([f"highway={h}" for h in bad_hw], object))
    foot = _parts(col("foot"))
    bad_foot = _hits(foot, {"no"} if keep_private else _FOOT_FORBIDDEN).to_numpy(object)
    mark(bad_foot != "", np.array([f"foot={h}" for h in bad_foot], object))
    if not keep_private:
        foot_ok = foot.map(lambda ps: bool(ps & _FOOT_ALLOWED)).to_numpy(bool)
        bad_access = _hits(_parts(col("access")), _ACCESS_FORBIDDEN).to_numpy(object)
        mark((bad_access != "") & ~foot_ok, np.array([f"access={h}" for h in bad_access], object))
        bad_service = _hits(_parts(col("service")), {"private"}).to_numpy(object)
        mark(bad_service != "", "service=private")
    for key in _SIDEWALK_KEYS:
        sep = _hits(_parts(col(key)), {"separate"}).to_numpy(object)
        mark(sep != "", f"{key}=separate")
    return reason
