"""Plumbing of :mod:`spatial.coverage.walks`: by how much the slopes change the coverage of a hill
town, said beside the slope model (the maps, a run's headline and README.txt).

A map of walks on a DEM said the model (Tobler, steps ×1.67, the share of edges with heights) and
that 15 minutes are 1,000 m on the flat only; what the official of a hill town asks next, how many
households the slopes put outside the circle, it did not say. ``walking_coverage(..., dem=)`` now
also walks the flat network (one more pass of the same snapped homes and stations) and keeps the
households within the largest minute band both ways in ``attrs["slope_effect"]``.
"""

from __future__ import annotations

import numpy as np

from spatial.core.checks import round_half_up

__all__ = ["slope_effect", "summed", "effect_text"]


def slope_effect(households: np.ndarray, within_flat: np.ndarray, within_slopes: np.ndarray, band: str) -> dict:
    """``{"band", "households", "flat", "slopes"}``: all households, and those within ``band`` on
    the flat and on the slopes (each home's ``households``, and whether it is within both ways)."""
    hh = np.asarray(households, dtype=float)
    return {"band": band, "households": float(hh.sum()), "flat": float(hh[np.asarray(within_flat, bool)].sum()),
            "slopes": float(hh[np.asarray(within_slopes, bool)].sum())}


def summed(effects: list[dict]) -> dict | None:
    """The effect of a demand split in parts (each home in one part): the parts' figures added."""
    effects = [e for e in effects if e]
    if not effects:
        return None
    return {"band": effects[0]["band"], **{k: float(sum(e[k] for e in effects)) for k in ("households", "flat", "slopes")}}


def effect_text(effect: dict | None, lang: str = "zh") -> str | None:
    """One clause: the households within the band on the flat and on the slopes, with shares.

    Examples
    --------
    >>> e = {"band": "15min", "households": 710.0, "flat": 710.0, "slopes": 560.0}
    >>> effect_text(e)
    '平地上 15 分钟内 710 户（100.0%），计坡度 560 户（78.9%），少 150 户'
    >>> effect_text(e, "en")
    'within 15 min: 710 households on the flat (100.0%), 560 on the slopes (78.9%), 150 fewer'
    """
    if not effect or not effect.get("households"):
        return None
    total, flat, slopes = effect["households"], effect["flat"], effect["slopes"]
    minutes = str(effect["band"]).removesuffix("min")
    diff = flat - slopes

    def pct(n: float) -> str:
        return f"{round_half_up(100 * n / total, 1):.1f}%"

    if lang == "zh":
        tail = f"，少 {diff:,.0f} 户" if diff > 0 else (f"，多 {-diff:,.0f} 户" if diff < 0 else "，坡度未改变圈内户数")
        return f"平地上 {minutes} 分钟内 {flat:,.0f} 户（{pct(flat)}），计坡度 {slopes:,.0f} 户（{pct(slopes)}）{tail}"
    tail = f", {diff:,.0f} fewer" if diff > 0 else (f", {-diff:,.0f} more" if diff < 0 else ", the same")
    return (f"within {minutes} min: {flat:,.0f} households on the flat ({pct(flat)}), {slopes:,.0f} on the slopes "
            f"({pct(slopes)}){tail}")
