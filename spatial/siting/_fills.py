"""What each new site brings within each walking band, and which gaps it fills.

An official reading a suggested station asks which gap areas it serves and how many households it
brings within 5, 10 and 15 minutes, and which gaps no site reaches. The walks are the siting's:
candidate to home over the same snapped network (:func:`spatial.network.routing.source_target_pairs`,
the pairs :func:`coverage_matrix` keeps), against the walk to the nearest existing station that the
coverage measures. A home counts for the best-ranked site that brings it within a band it was not
within, so each band's figures add up over the sites (as ``gain_households`` does for the band sited
for, without a capacity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from spatial.core.checks import whole_counts
from spatial.coverage.bands import Band
from spatial.network.graph import WalkNetwork
from spatial.network.routing import source_target_pairs
from spatial.network.snapping import Snap

__all__ = ["coverage_matrix", "band_gains", "gap_fills", "FILL_COLUMNS"]

#: Tolerance added to band limits, as :func:`spatial.coverage.bands.assign_band` does.
EPS_M = 1e-9
#: The gaps layer's columns added by :func:`gap_fills`.
FILL_COLUMNS = ["filled_by", "households_filled"]


def coverage_matrix(network: WalkNetwork, sources: Snap, targets: Snap, *, limit_m: float,
                    times=None, walks: bool = False):
    """Sparse bool matrix (sources x targets): True where the walk is within ``limit_m`` metres
    (with ``times``, slopes: the walk from the target to the source, time × speed). With ``walks``,
    also the walks themselves, plus 1 m (a walk of 0 m is kept as 1), as a float matrix."""
    src, tgt, walk_m = source_target_pairs(network, sources, targets, limit_m=limit_m + EPS_M, times=times)
    shape = (len(sources), len(targets))
    hit = sp.csr_matrix((np.ones(len(src), dtype=bool), (src, tgt)), shape=shape, dtype=bool)
    if not walks:
        return hit
    return hit, sp.csr_matrix((walk_m + 1.0, (src, tgt)), shape=shape, dtype=float)


def band_gains(walks: sp.csr_matrix, chosen, walk_before: np.ndarray, hh: np.ndarray,
               bands: list[Band]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``({column: households per site}, {band: plan position of the site bringing each home within
    it, or -1})`` for each of ``bands``: ``new_hh_5min`` ... the households a site (in plan order)
    brings within the band that no station (``walk_before``, metres or flat-equivalent metres) nor a
    site ranked before it had within it.

    Examples
    --------
    >>> from spatial.coverage.bands import make_bands
    >>> bands = make_bands(meters=[300, 500])
    >>> walks = sp.csr_matrix(np.array([[201.0, 451.0, 0.0], [0.0, 101.0, 401.0]]))  # walk + 1
    >>> gains, first = band_gains(walks, [0, 1], np.array([np.inf, np.inf, 250.0]), np.array([10, 20, 30]), bands)
    >>> {k: v.tolist() for k, v in gains.items()}, first["300m"].tolist()
    ({'new_hh_300m': [10, 20], 'new_hh_500m': [30, 0]}, [0, 1, -1])
    """
    sub = walks[list(chosen)].tocoo()
    site, point, walk = sub.row, sub.col, sub.data - 1.0
    gains, firsts = {}, {}
    for band in bands:
        limit = band.limit_m + EPS_M
        new = (walk <= limit) & ~(walk_before[point] <= limit)
        first = np.full(len(hh), -1, np.int64)
        order = np.lexsort((site[new], point[new]))  # each home's best-ranked site first
        p, s = point[new][order], site[new][order]
        keep = np.r_[True, p[1:] != p[:-1]] if len(p) else np.zeros(0, bool)
        first[p[keep]] = s[keep]
        firsts[band.label] = first
        on = first >= 0
        gains[f"new_hh_{band.label}"] = whole_counts(
            np.bincount(first[on], weights=hh[on], minlength=len(chosen)), hh)
    return gains, firsts


def gap_fills(gaps: pd.DataFrame, gap_of: pd.Series, new_site: pd.Series, households: pd.Series) -> pd.DataFrame:
    """``gaps`` with ``filled_by`` (the new sites that bring some of a gap's homes within the band,
    ``"NEW001, NEW003"``; empty where none reaches it) and ``households_filled`` (its households they
    bring within it). :func:`site_gaps` reads the same the other way. A home of 0 households names
    no site: a gap of none (a park, road land beyond the band) is filled by nobody, as a site's
    ``gaps`` never lists it (until 8 December 2026 the demo's three such gaps read ``NEW001``).

    ``gap_of``, ``new_site`` and ``households`` are per home, on one index: the gap of each home
    (None when covered), the best-ranked new site bringing it within the band (None when none) and
    its households.

    Examples
    --------
    >>> gaps = pd.DataFrame({"gap_id": ["G001", "G002", "N001"], "households": [50, 20, 5]})
    >>> homes = pd.DataFrame({"gap": ["G001", "G001", "G002", "N001", None],
    ...                       "site": ["NEW002", "NEW001", None, None, None], "hh": [30, 20, 20, 5, 9]})
    >>> gap_fills(gaps, homes["gap"], homes["site"], homes["hh"])[["gap_id", "filled_by", "households_filled"]].values.tolist()
    [['G001', 'NEW001, NEW002', 50], ['G002', '', 0], ['N001', '', 0]]
    >>> gap_fills(gaps, homes["gap"], pd.Series([None] * 5), homes["hh"])["filled_by"].tolist()
    ['', '', '']
    >>> park = homes.assign(site=["NEW002", "NEW001", None, "NEW001", None], hh=[30, 20, 20, 0, 9])  # N001: none live
    >>> gap_fills(gaps, park["gap"], park["site"], park["hh"])["filled_by"].tolist()
    ['NEW001, NEW002', '', '']
    """
    homes = pd.DataFrame({"gap": gap_of.to_numpy(dtype=object), "site": new_site.to_numpy(dtype=object),
                          "hh": pd.to_numeric(households, errors="coerce").fillna(0).to_numpy()})
    homes = homes[homes["gap"].notna() & homes["site"].notna() & (homes["hh"] > 0)]  # (0 households: none filled)
    by = homes.groupby("gap")
    sites = by["site"].agg(lambda s: ", ".join(sorted(set(s))))
    filled = by["hh"].sum()
    out = gaps.copy()
    named = out["gap_id"].map(sites).astype(object)  # (no site reaching any gap: an empty map of floats)
    out["filled_by"] = named.where(named.notna(), "")
    out["households_filled"] = whole_counts(out["gap_id"].map(filled).fillna(0.0).to_numpy(), homes["hh"])
    return out


def site_gaps(sites: pd.DataFrame, gap_of: pd.Series, new_site: pd.Series, households: pd.Series) -> pd.Series:
    """Each site's gaps (``site_id`` order): the gap ids of the homes it brings within the band, most
    households first, each with them: ``"G001 (1,620), G003 (312)"``; empty for none.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["NEW001", "NEW002"]})
    >>> homes = pd.DataFrame({"gap": ["G001", "G001", "G002", "G003", "G004"],
    ...                       "site": ["NEW002", "NEW001", "NEW002", None, "NEW001"], "hh": [30, 20, 1200, 5, 0]})
    >>> site_gaps(sites, homes["gap"], homes["site"], homes["hh"]).tolist()
    ['G001 (20)', 'G002 (1,200), G001 (30)']
    """
    homes = pd.DataFrame({"gap": gap_of.to_numpy(dtype=object), "site": new_site.to_numpy(dtype=object),
                          "hh": pd.to_numeric(households, errors="coerce").fillna(0).to_numpy()})
    homes = homes[homes["gap"].notna() & homes["site"].notna() & (homes["hh"] > 0)]  # (0 households: none brought)
    per = homes.groupby(["site", "gap"])["hh"].sum().reset_index()
    per = per.sort_values(["site", "hh", "gap"], ascending=[True, False, True])
    text = per.groupby("site").apply(
        lambda t: ", ".join(f"{g} ({h:,.0f})" for g, h in zip(t["gap"], t["hh"])), include_groups=False)
    return pd.Series([text.get(s, "") for s in sites["site_id"]], index=sites.index, dtype=object, name="gaps")
