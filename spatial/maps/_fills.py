"""What a new site brings and which gaps it fills (:mod:`spatial.siting._fills`), as the maps'
popups and the KMZ's placemarks say it: a site's households newly within each band below the one
sited for and the gaps it fills, a gap's new sites and the households they bring within the band;
and where nobody lives: units of 0 households, drawn apart, and gaps of 0 households, no gaps.

Gaps and sites are named as the map labels them (``#1`` for gap G001, ``建议新站 1`` for NEW001;
an unranked gap by its id, as its popup's title), not by ids the map does not show; the words
are the workbook's (:data:`spatial.io._sheetwords.COLUMNS`, ``NO_SITE_WORDS``, ``UNFILLED_WORDS``),
one source for the popup, the placemark, the sheet and the legend.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from spatial.io._sheetwords import NO_SITE_WORDS, UNFILLED_WORDS
from spatial.io.workbook import header
from spatial.maps import _style as st
from spatial.maps._data import jsonable

__all__ = ["no_homes", "gaps_with_homes", "gap_names", "site_names_by_id", "fill_columns", "fill_fields", "unfilled_note", "sites_by_title"]

#: One gap of a site's ``gaps``: ``G001 (1,011)``.
_LISTED = re.compile(r"([^\s,()]+) \(([^)]*)\)")
#: Between names in a list, as each language writes it.
_AND = {"zh": "、", "en": ", "}


def no_homes(units: pd.DataFrame, households_col: str = "households") -> np.ndarray:
    """Which ``units`` have 0 households (parks, water, road land): the maps draw them apart, hatched
    (无住户), not by their walk's band; none without the column (a unit whose households are not
    known is drawn by its band).

    Examples
    --------
    >>> no_homes(pd.DataFrame({"households": [120, 0, None]})).tolist(), no_homes(pd.DataFrame({"x": [1]})).tolist()
    ([False, True, False], [False])
    """
    if households_col not in units.columns:
        return np.zeros(len(units), bool)
    return (pd.to_numeric(units[households_col], errors="coerce") == 0).to_numpy()


def gaps_with_homes(gaps, households_col: str = "households"):
    """``gaps`` without those of 0 households: beyond the band, but where nobody lives (a park, water,
    road land; the coverage gives them no rank and says 无住户，不需新站), so no gap on a map, in the KMZ
    or in a site's fills; a gap whose households are not known is kept.

    Examples
    --------
    >>> gaps_with_homes(pd.DataFrame({"gap_id": ["G001", "G002", "N001"], "households": [50, 0, None]}))["gap_id"].tolist()
    ['G001', 'N001']
    """
    col = None if gaps is None else households_col if households_col in gaps.columns else "households"
    if col is None or col not in gaps.columns:
        return gaps
    return gaps[~(pd.to_numeric(gaps[col], errors="coerce") == 0).to_numpy()]


def gap_names(gaps: pd.DataFrame | None) -> dict[str, str]:
    """``{gap_id: label}``: ``#1`` for a ranked gap (its label on the map), its id for another.

    Examples
    --------
    >>> gap_names(pd.DataFrame({"gap_id": ["G001", "N001"], "rank": [1.0, None]}))
    {'G001': '#1', 'N001': 'N001'}
    """
    if gaps is None or "gap_id" not in gaps.columns:
        return {}
    ranks = gaps["rank"] if "rank" in gaps.columns else [None] * len(gaps)
    return {str(i): st.gap_label(r) or str(i) for i, r in zip(gaps["gap_id"], ranks)}


def site_names_by_id(sites: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """``{site_id: name}``: each new site as its popup and placemark are titled, ``建议新站 1``."""
    if sites is None or "site_id" not in sites.columns:
        return {}
    ranks = sites["rank"].tolist() if "rank" in sites.columns else [None] * len(sites)
    ids = sites["site_id"].astype(str).tolist()
    return dict(zip(ids, st.feature_names(lang, "site", ranks, ids)))


def fill_columns(frame: pd.DataFrame) -> list[str]:
    """The fill columns ``frame`` has, in reading order: a site's ``new_hh_<band>`` nearest band
    first, without the band it was sited for (its gain, said above them), then ``gaps``; a gap's
    ``filled_by`` and ``households_filled``."""
    sited = {f"new_hh_{b}" for b in frame["band"].dropna().astype(str)} if "band" in frame.columns else set()
    new = sorted((c for c in frame.columns if str(c).startswith("new_hh_") and c not in sited),
                 key=lambda c: st.band_sort_key(str(c)[7:]))
    return [*new, *(c for c in ("gaps", "filled_by", "households_filled") if c in frame.columns)]


def fill_fields(frame: pd.DataFrame, lang: str, *, gaps_named: dict | None = None,
                sites_named: dict | None = None) -> tuple[dict[str, list], dict[str, str]]:
    """``({column: values}, {column: label})`` of :func:`fill_columns`: counts as whole numbers; a
    site's gaps as the map labels them, ``#1 (1,011), #4 (586)`` (with ``gaps_named``, from
    :func:`gap_names`); a gap's sites by their titles, ``建议新站 1、建议新站 3`` (with
    ``sites_named``), 无新站可达 where none reaches it; labels the workbook's headers.

    Examples
    --------
    >>> sites = pd.DataFrame({"band": ["15min"], "new_hh_5min": [582.0], "new_hh_15min": [2582.0],
    ...                       "gaps": ["G001 (1,011), N001 (3)"]})
    >>> values, labels = fill_fields(sites, "zh", gaps_named={"G001": "#1", "N001": "N001"})
    >>> values, labels["gaps"]
    ({'new_hh_5min': [582], 'gaps': ['#1 (1,011), N001 (3)']}, '填补的盲区（户数）')
    >>> gaps = pd.DataFrame({"filled_by": ["NEW001, NEW003", ""], "households_filled": [50.0, 0.0]})
    >>> fill_fields(gaps, "zh", sites_named={"NEW001": "建议新站 1", "NEW003": "建议新站 3"})[0]["filled_by"]
    ['建议新站 1、建议新站 3', '无新站可达']
    """
    values, labels = {}, {}
    for c in fill_columns(frame):
        said = jsonable(frame[c], c)
        if c == "filled_by":
            said = [_AND[lang].join((sites_named or {}).get(s, s) for s in str(v).split(", ")) if v
                    else NO_SITE_WORDS[lang] for v in said]
        elif c == "gaps":
            said = [_LISTED.sub(lambda m: f"{(gaps_named or {}).get(m.group(1), m.group(1))} ({m.group(2)})", str(v))
                    if v else None for v in said]
        values[c] = said
        labels[c] = header(c, lang)[0]  # (the sheet's definition is too long for a phone's popup)
    return values, labels


def unfilled_note(gaps: pd.DataFrame, households_col: str, lang: str) -> str | None:
    """The legend's line of the ranked gaps no proposed site reaches, as the map labels them:
    ``建议新站到不了的盲区：#2、#8 等 16 处，共 4,070 户``; None when every one is reached or the
    gaps do not say (no ``filled_by``).

    Examples
    --------
    >>> gaps = pd.DataFrame({"gap_id": ["G001", "G002", "N001"], "rank": [1, 2, None],
    ...                      "households": [50, 20, 5], "filled_by": ["NEW001", "", ""]})
    >>> unfilled_note(gaps, "households", "zh")
    '建议新站到不了的盲区：#2 1 处，共 20 户'
    """
    if "filled_by" not in gaps.columns or "rank" not in gaps.columns:
        return None
    left = gaps[gaps["rank"].notna() & (gaps["filled_by"].fillna("") == "")].sort_values("rank")
    if not len(left):
        return None
    names = [st.gap_label(r) for r in left["rank"]]
    hh = float(pd.to_numeric(left[households_col], errors="coerce").sum())
    more = len(names) > 5
    words = UNFILLED_WORDS[lang]
    return words["line"].format(ids=_AND[lang].join(names[:5]), more=words["more"] if more else "", n=len(names),
                                hh=f"{hh:,.0f}")


def sites_by_title(gaps: pd.DataFrame | None, sites: pd.DataFrame | None, lang: str) -> pd.DataFrame | None:
    """``gaps`` with ``filled_by`` naming the sites by their titles (``建议新站 1, 建议新站 3``), for
    a map that does not draw them (``coverage.html`` beside the overview): its gaps then name them
    as the overview and the KMZ do. ``gaps`` as given without the column or the sites.

    Examples
    --------
    >>> gaps = pd.DataFrame({"gap_id": ["G001", "G002"], "filled_by": ["NEW001, NEW002", ""]})
    >>> sites = pd.DataFrame({"site_id": ["NEW001", "NEW002"], "rank": [1, 2]})
    >>> sites_by_title(gaps, sites, "zh")["filled_by"].tolist()
    ['建议新站 1, 建议新站 2', '']
    """
    if gaps is None or sites is None or "filled_by" not in gaps.columns:
        return gaps
    named = site_names_by_id(sites, lang)
    return gaps.assign(filled_by=[", ".join(named.get(s, s) for s in str(v).split(", ")) if isinstance(v, str) and v
                                  else v for v in gaps["filled_by"]])
