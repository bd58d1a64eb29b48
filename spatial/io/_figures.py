"""Figures as the outputs show them: counts as integers, measures to the decimals the workbook
shows (percentages 79.5, walks in whole metres up), for the CSVs; and the words naming the row of
homes in no community or no grid, the same in every sheet and on the maps.

Split from :mod:`spatial.io.workbook`, which imports everything here (``integer_counts`` and
``csv_figures`` are imported from there too).
"""

from __future__ import annotations

import re
from typing import Mapping

import numpy as np
import pandas as pd

from spatial.core.checks import round_half_up, round_walk
from spatial.io.columns import find_column

__all__ = ["COUNT", "LOAD_FIGURES", "NONE_ID", "SITE_FIGURES", "csv_figures", "integer_counts", "name_of",
           "none_name", "sites_table", "station_load_table"]

#: Whole-number count columns (households, population, hh_* ...): integers in CSVs and sheets.
COUNT = re.compile(r"^(households|population|households_(served|estimated)|population_served|units_served|n_\w+|"
                   r"hh_\w+|pop_\w+|gain_\w+|\w+_workers|\w+_leads|area_m2)$")

#: The id under which a coverage summary (and the before/after table) counts the homes in no
#: community or no grid (outside every outline, or a unit the plan gave no grid).
NONE_ID = "(none)"
_NONE_WORDS = {"zh": {"community": "（不在任何社区）", "grid": "（不在任何网格）", "street": "（不在任何街道）"},
               "en": {"community": "(in no community)", "grid": "(in no grid)", "street": "(in no street)"}}


def none_name(level: str, lang: str) -> str:
    """The words naming the row of homes in no community (``level="community"``), no grid or no
    street, in ``lang``: the same in every sheet and on the maps' table.

    Examples
    --------
    >>> none_name("community", "zh"), none_name("grid", "en")
    ('（不在任何社区）', '(in no grid)')
    """
    return _NONE_WORDS["zh" if lang == "zh" else "en"][level]


def name_of(i, names: Mapping[str, str], level: str, lang: str):
    """The name of community (or grid) ``i``: from ``names``, the words for the homes in none, or None."""
    i = str(i)
    return none_name(level, lang) if i == NONE_ID and i not in names else names.get(i)


def integer_counts(frame: pd.DataFrame, *, also: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` whose whole-number count columns (households, population, ``hh_*`` ...,
    and the columns named in ``also``, such as a households column called 户数) are integers, so
    that a CSV or GeoPackage says ``63080``, not ``63080.0``; measures keep their decimals.

    Examples
    --------
    >>> integer_counts(pd.DataFrame({"户数": [203.0], "households": [4.0], "walk_m": [1.0]}),
    ...                also=("户数",)).dtypes.astype(str).tolist()
    ['Int64', 'Int64', 'float64']
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if (COUNT.match(str(col)) or col in also) and pd.api.types.is_float_dtype(s):
            finite = s.dropna()
            if len(finite) == 0 or (np.all(np.isfinite(finite)) and np.all(finite == np.round(finite))):
                out[col] = s.round().astype("Int64")
    return out


#: Decimals a CSV keeps of each measure, as the workbook shows it (percentages 79.5, whole metres
#: and m², 0.1 m in degrees); the GeoPackage keeps every digit.
_CSV_DECIMALS = ((re.compile(r"^(pct_\w+|\w+_pct|target_households|\w*per_100hh)$"), 1),
                 (re.compile(r"^(walk_to_station_m|area_m2)$"), 0),
                 (re.compile(r"^(polsby_popper|road_share)$"), 3),
                 (re.compile(r"^(site_)?(lon|lat)$"), 6))


def csv_figures(frame: pd.DataFrame, *, also: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` for a CSV an official opens in Excel: counts as integers
    (:func:`integer_counts`; a count that is not whole, such as a population estimated from
    households, rounded half up as the workbook shows it), percentages to one decimal (79.5, not 79.54977805960685), walks and
    areas in whole metres and m², compactness and road share to three decimals, degrees to six.

    Examples
    --------
    >>> csv_figures(pd.DataFrame({"hh_15min": [50180.0], "pct_hh_15min": [79.54977805960685],
    ...                           "area_m2": [22348.197]})).to_csv(index=False).splitlines()
    ['hh_15min,pct_hh_15min,area_m2', '50180,79.5,22348']
    """
    out = integer_counts(frame, also=also)
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]) or not pd.api.types.is_float_dtype(out[col]):
            continue
        if COUNT.match(str(col)) or col in also:
            # a count that is not whole (population as households x 2.62: 958.9200000000001) is
            # shown whole, as the workbook shows it (958.92 people is no figure an office reports)
            shown = round_half_up(out[col], 0)
            if np.isfinite(shown.dropna()).all():
                out[col] = shown.astype("Int64")
            continue
        for pattern, decimals in _CSV_DECIMALS:
            if pattern.match(str(col)):
                shown = round_walk if str(col).startswith("walk") else round_half_up
                out[col] = out[col].round(decimals) if decimals == 6 else shown(out[col], decimals)
                if decimals == 0 and np.isfinite(out[col].dropna()).all():
                    out[col] = out[col].astype("Int64")
                break
    return out


#: The figures :func:`spatial.coverage.load.station_load` adds, as a shared station-load table
#: carries them after the station's own id, name, type, community and floor area.
LOAD_FIGURES = ("units_served", "households_served", "population_served", "households_estimated", "m2_per_100hh",
                "under_standard", "fca_m2_per_100hh")
#: A station's type (中心 / 站) under the names offices give it.
_TYPE_NAMES = ("type", "类型", "站点类型", "类别")


def station_type_column(stations: pd.DataFrame) -> str | None:
    """The column giving each station's type (中心 / 站): ``type``, or the names offices give it
    (类型, 站点类型, 类别), as the station-load sheet, the maps and the KMZ read it.

    Examples
    --------
    >>> station_type_column(pd.DataFrame({"站点名称": ["甲"], "类型": ["中心"]}))
    '类型'
    """
    return next((c for c in _TYPE_NAMES if c in stations.columns), None)


def station_load_table(stations: pd.DataFrame, *, station_id_col: str | None = None, name_col: str | None = None,
                       area_col: str | None = None, community_id_col: str | None = None) -> pd.DataFrame:
    """The station-load table as it is shared (the workbook's 服务站负荷 sheet, ``station_load.csv``).

    Each station's id, name, type, community and floor area, under the input's own column names
    (the ``*_col`` given, else found as the commands find them: ``站点编号``, ``建筑面积`` ...),
    then the load figures (:data:`LOAD_FIGURES`) and nothing else of the input: a stations layer
    from an office's roll also carries its 站长's name, mobile and ID number, notes, which are
    kept in the GeoPackage (an analyst's working file) but not mailed round in a table. A table
    this made is returned as it is, so the sheet and the CSV made from one are the same.

    Examples
    --------
    >>> t = station_load_table(pd.DataFrame({"站点编号": ["S1"], "站长手机": ["13512345678"],
    ...                                      "建筑面积": [600], "households_served": [412]}))
    >>> list(t.columns)
    ['站点编号', '建筑面积', 'households_served']
    """
    if stations.attrs.get("shared_table"):  # made so already (with an area column given by name): as it is
        return pd.DataFrame(stations)
    given = {"station_id": station_id_col, "name": name_col, "community_id": community_id_col,
             "floor_area": area_col}
    found = {role: find_column(stations, role, given=col if col in stations.columns else None, layer="stations",
                               required=False) for role, col in given.items()}
    kind = station_type_column(stations)
    own = [found["station_id"], found["name"], kind, found["community_id"], found["floor_area"]]
    keep = list(dict.fromkeys(c for c in [*own, *LOAD_FIGURES] if c is not None and c in stations.columns))
    table = pd.DataFrame(stations[keep])
    table.attrs["shared_table"] = True
    return table


#: What :func:`spatial.siting.site_stations` makes of each site, as a shared table carries it.
SITE_FIGURES = ("site_id", "rank", "candidate_id", "lon", "lat", "gain_households", "gain_population",
                "cum_coverage_pct", "band")


def sites_table(sites: pd.DataFrame) -> pd.DataFrame:
    """The new sites as they are shared (the workbook's 新站选址 sheet): each site's id, build
    order, candidate, longitude and latitude and gains (:data:`SITE_FIGURES`), then what the
    candidate is: its name, floor area and land use (found under ``名称``, ``建筑面积`` ...) and
    where it came from (``source``), and nothing else of the candidates layer (an owner's name and
    phone number, a landlord's notes), which the GeoPackage's ``sites`` layer keeps.

    Examples
    --------
    >>> list(sites_table(pd.DataFrame({"site_id": ["NEW001"], "rank": [1], "candidate_id": ["R7"],
    ...                                "产权人电话": ["13711112222"], "建筑面积": [600]})).columns)
    ['site_id', 'rank', 'candidate_id', '建筑面积']
    """
    own = [find_column(sites, "name", layer="candidates", required=False),
           find_column(sites, "floor_area", layer="candidates", required=False),
           next((c for c in ("land_use", "用地性质", "用途") if c in sites.columns), None), "source"]
    keep = list(dict.fromkeys(c for c in [*SITE_FIGURES, *own] if c is not None and c in sites.columns))
    return pd.DataFrame(sites[keep])
