"""Walking bands: 5/10/15-minute circles or GB 50180-2018 distances, and labelling walks by band.

Speeds: ``DEFAULT_SPEED_KMH = 4.0`` is GB 50180-2018's 15-minute life circle (1,000 m in
15 minutes; the standard allows 800-1,000 m, i.e. 3.2-4 km/h). ``ELDERLY_SPEED_KMH = 3.0`` is a
slower pace for older residents (750 m in 15 minutes). State the speed on every map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from spatial.core.checks import require_columns
from spatial.core.errors import ColumnError, SpatialError

__all__ = [
    "Band",
    "make_bands",
    "assign_band",
    "parse_band",
    "within_band",
    "minutes_to_m",
    "scored_speed_kmh",
    "band_as_scored",
    "band_at_speed",
    "DEFAULT_SPEED_KMH",
    "ELDERLY_SPEED_KMH",
    "DEFAULT_MINUTES",
    "GB50180_METERS",
    "BEYOND",
    "UNREACHABLE",
]

#: GB 50180-2018: 15-minute circle = 1,000 m walk, i.e. 4 km/h.
DEFAULT_SPEED_KMH = 4.0
#: A slower pace for elderly residents.
ELDERLY_SPEED_KMH = 3.0
#: 5-, 10- and 15-minute life circles.
DEFAULT_MINUTES: tuple[float, ...] = (5, 10, 15)
#: GB 50180-2018 Table 3.0.4 walking distances of the 5-, 10- and 15-minute circles.
GB50180_METERS: tuple[float, ...] = (300, 500, 1000)
#: Band label of a point reachable but outside every band.
BEYOND = "beyond"
#: Band label of a point not snapped or cut off from every station.
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Band:
    """One walking band: its label, distance limit (m) and time limit (min) at the chosen speed."""

    label: str
    limit_m: float
    limit_min: float


def minutes_to_m(minutes: float, speed_kmh: float) -> float:
    """Metres walked in ``minutes`` at ``speed_kmh``."""
    return float(minutes) * float(speed_kmh) * 1000.0 / 60.0


def _num(x: float) -> str:
    return f"{float(x):g}"


def make_bands(*, minutes: Sequence[float] | None = None, meters: Sequence[float] | None = None,
               speed_kmh: float = DEFAULT_SPEED_KMH) -> tuple[Band, ...]:
    """Bands sorted from the smallest, labelled ``"5min"`` ... or ``"300m"`` ....

    Parameters
    ----------
    minutes : sequence of float, optional
        Time bands; default (5, 10, 15) when neither option is given. One number is one band
        (``minutes=15``: the 15-minute circle alone).
    meters : sequence of float, optional
        Distance bands, e.g. ``GB50180_METERS`` = (300, 500, 1000); one number is one band.
    speed_kmh : float
        Walking speed turning minutes into metres and back (default 4.0 km/h).

    Examples
    --------
    >>> import spatial
    >>> [band.label for band in spatial.make_bands()]
    ['5min', '10min', '15min']
    >>> spatial.make_bands(meters=[300, 500, 1000])[0]
    Band(label='300m', limit_m=300.0, limit_min=4.5)
    """
    if minutes is not None and meters is not None:
        raise SpatialError("give either minutes=... or meters=..., not both")
    if isinstance(speed_kmh, (str, bytes)) or not isinstance(speed_kmh, (int, float, np.number)) or not speed_kmh > 0:
        raise SpatialError(f"speed_kmh must be a walking speed > 0 km/h (e.g. 4.0), got {speed_kmh!r}")
    if meters is None and minutes is None:
        minutes = DEFAULT_MINUTES
    given, what = (minutes, "minutes") if minutes is not None else (meters, "meters")
    if isinstance(given, (str, bytes)):  # "5,10,15" as on the command line
        example = "(5, 10, 15)" if what == "minutes" else "(300, 500, 1000)"
        raise SpatialError(f"{what} must be numbers, e.g. {what}={example}; got the text {given!r}")
    values = list(given) if isinstance(given, Iterable) else [given]  # minutes=15: one band
    if not values:
        raise SpatialError("at least one band is needed: give e.g. minutes=(5, 10, 15) or meters=(300, 500, 1000)")
    try:
        [float(v) for v in values]
    except (TypeError, ValueError):
        raise SpatialError(f"band limits must be positive numbers, got {values}") from None
    if any(not (float(v) > 0) or not np.isfinite(float(v)) for v in values):
        raise SpatialError(f"band limits must be positive numbers, got {values}")
    if len(set(map(float, values))) != len(values):
        raise SpatialError(f"band limits repeat: {values}; give each once")
    bands = []
    for v in sorted(map(float, values)):
        if minutes is not None:
            bands.append(Band(f"{_num(v)}min", minutes_to_m(v, speed_kmh), v))
        else:
            bands.append(Band(f"{_num(v)}m", v, v * 60.0 / (speed_kmh * 1000.0)))
    return tuple(bands)


def assign_band(walk_m: np.ndarray, bands: Sequence[Band]) -> np.ndarray:
    """Label of the smallest band reaching each walk; ``"beyond"`` or ``"unreachable"`` otherwise.

    Non-finite walks (``inf``/NaN) are unreachable.
    """
    walk_m = np.asarray(walk_m, dtype=np.float64)
    bands = sorted(bands, key=lambda b: b.limit_m)
    limits = np.array([b.limit_m for b in bands])
    labels = np.array([b.label for b in bands] + [BEYOND], dtype=object)
    # tiny tolerance so that 1000.0000000001 m from float sums still counts as 1,000 m
    pos = np.searchsorted(limits + 1e-9, walk_m, side="left")
    out = labels[np.minimum(pos, len(bands))]
    out[~np.isfinite(walk_m)] = UNREACHABLE
    return out


_LABEL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|m)\s*$")


def parse_band(label: str) -> tuple[float, str]:
    """``"15min"`` -> ``(15.0, "min")``; ``"500m"`` -> ``(500.0, "m")``."""
    m = _LABEL.match(str(label))
    if m is None:
        raise SpatialError(f"band={label!r} is not a band label; use e.g. band='15min' or band='500m'")
    return float(m.group(1)), m.group(2)


def within_band(labels: pd.Series, band: str, *, walk: pd.Series | None = None,
                ids: pd.Series | None = None) -> np.ndarray:
    """Which scored points are reached within ``band``.

    Parameters
    ----------
    labels : pandas.Series
        The ``band`` column written by :func:`spatial.coverage.walks.walking_coverage` (the smallest
        band reaching each point, ``"beyond"`` or ``"unreachable"``).
    band : str
        A band label such as ``"15min"`` or ``"500m"``, in the unit the demand was scored in.
    walk : pandas.Series, optional
        ``walk_min`` (minute bands) or ``walk_m`` (metre bands), aligned with ``labels``; decides
        points whose smallest scored band is larger than ``band`` when ``band`` was not scored.
    ids : pandas.Series, optional
        The points' own ids (``unit_id``), aligned with ``labels``, naming a row with a label that
        is no band; default the index.

    Returns
    -------
    numpy.ndarray
        Boolean, True where the point is within ``band``.
    """
    value, unit = parse_band(band)
    text = labels.astype("string").fillna(UNREACHABLE).str.strip()
    covered = np.zeros(len(text), dtype=bool)
    larger = np.zeros(len(text), dtype=bool)
    for label in pd.unique(text):
        if label in (BEYOND, UNREACHABLE):
            continue
        rows = (text == label).to_numpy()
        m = _LABEL.match(label)
        if m is None:
            first = (labels.index if ids is None else pd.Index(ids))[rows][0]
            first = first.item() if isinstance(first, np.generic) else first  # 0, not np.int64(0)
            raise ColumnError(
                f"'demand' column 'band' holds {label!r} {'in row' if ids is None else 'for unit'} {first!r}; "
                "expected band labels like "
                "'15min' or '500m', 'beyond' or 'unreachable' (score it with walking_coverage)"
            )
        if m.group(2) != unit:
            raise SpatialError(
                f"demand was scored with bands like {label!r} but band={band!r} was asked; ask for a "
                f"band in the same unit ({'minutes' if m.group(2) == 'min' else 'metres'})"
            )
        inside = float(m.group(1)) <= value + 1e-9
        covered |= rows & inside
        larger |= rows & (not inside)
    if larger.any() and walk is not None:
        w = pd.to_numeric(walk, errors="coerce").to_numpy(dtype=float)
        covered |= larger & (w <= value + 1e-9)
    return covered


def demand_within(demand: pd.DataFrame, band: str) -> np.ndarray:
    """Which rows of scored ``demand`` are within ``band``: by the band each was labelled with
    and, for a band the walks were not scored for, by its walk (``walk_min`` for a band in
    minutes, ``walk_m`` in metres). A band past the largest one scored is refused where a home
    labelled ``"beyond"`` walks within it (its walk may have been cut off at the largest band).
    Coverage summaries, gaps and maps all read scored demand so: a summary of 10 minutes on
    walks scored for 15 counted no one within 10.

    Examples
    --------
    >>> demand = pd.DataFrame({"band": ["15min", "15min", "beyond"], "walk_min": [8.0, 12.0, 20.0]})
    >>> demand_within(demand, "10min").tolist(), demand_within(demand, "15min").tolist()
    ([True, False, False], [True, True, False])
    """
    require_columns(demand, ["band"], "demand (run walking_coverage first)")
    value, unit = parse_band(band)
    walk = demand.get("walk_min" if unit == "min" else "walk_m")
    if walk is not None:
        w = pd.to_numeric(walk, errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            past = ((demand["band"].astype(str) == BEYOND).to_numpy() & (w <= value + 1e-9)).any()
        if past:  # (a band of another unit, when no walk tells, is refused by within_band)
            # the bands walking_coverage noted (a band no home is in is still one it was scored
            # for: "(5min)" was said of walks scored for 5, 10 and 15 minutes), else those in the column
            found = demand.attrs.get("bands") or pd.unique(demand["band"].astype(str))
            scored = sorted({(parse_band(label), label) for label in found if _LABEL.match(str(label))})
            labels = ", ".join(label for _, label in scored) or "none reached"
            raise SpatialError(f"band={band!r} is not among the bands the walks were scored for ({labels}); give one "
                               "of them, or score the walks with that band (walking_coverage(minutes=... or meters=...))")
    return within_band(demand["band"], band, walk=walk, ids=demand.get("unit_id"))


def scored_speed_kmh(demand: pd.DataFrame, *, exact: bool = False) -> float | None:
    """The walking speed ``demand``'s walks were scored at: the one
    :func:`~spatial.coverage.walks.walking_coverage` notes in ``demand.attrs["speed_kmh"]``, else
    the median ratio of the ``walk_m`` and ``walk_min`` columns (on flat ground every walk's);
    None when nothing tells. With ``exact``, None also when the ratios differ (walks timed on
    slopes, whose minutes are no fixed share of their metres).

    Examples
    --------
    >>> scored_speed_kmh(pd.DataFrame({"walk_m": [750.0, 300.0], "walk_min": [15.0, 6.0]}))
    3.0
    """
    noted = getattr(demand, "attrs", {}).get("speed_kmh")
    if isinstance(noted, (int, float, np.number)) and not isinstance(noted, bool) and np.isfinite(noted) and noted > 0:
        return float(noted)
    if not {"walk_m", "walk_min"} <= set(demand.columns):
        return None
    m = pd.to_numeric(demand["walk_m"], errors="coerce").to_numpy(dtype=float)
    t = pd.to_numeric(demand["walk_min"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(m) & np.isfinite(t) & (t > 0)
    if not ok.any():
        return None
    ratio = m[ok] / t[ok]
    mid = float(np.median(ratio))
    if exact and not (mid > 0 and np.all(np.abs(ratio - mid) <= 1e-6 * mid)):
        return None
    return mid * 60.0 / 1000.0


def band_as_scored(demand: pd.DataFrame, band: Band | str) -> str:
    """The label of ``band`` at the speed ``demand`` was scored at, for :func:`demand_within`.

    A :class:`Band` of minutes made at another speed (``make_bands(speed_kmh=3.0)``, the elderly
    pace, on walks scored at 4 km/h) is the walk of its own ``limit_m`` in metres, i.e. so many
    minutes at the scored speed: the "15min" band at 3 km/h is "11.25min" of walks scored at
    4 km/h. A label, a band of metres or one at the scored speed comes back as its label, as does
    any band when the scored speed is not known (see :func:`scored_speed_kmh`).

    Examples
    --------
    >>> demand = pd.DataFrame({"band": ["15min"], "walk_m": [900.0], "walk_min": [13.5]})
    >>> band_as_scored(demand, make_bands(minutes=[15], speed_kmh=3.0)[0])
    '11.25min'
    >>> band_as_scored(demand, make_bands(minutes=[15])[0])
    '15min'
    """
    if not isinstance(band, Band):
        return str(band)
    if parse_band(band.label)[1] != "min" or not (band.limit_min > 0):
        return band.label
    speed = scored_speed_kmh(demand, exact=True)
    own = band.limit_m * 60.0 / (band.limit_min * 1000.0)
    if speed is None or abs(own - speed) <= 1e-9 * speed:
        return band.label
    return f"{band.limit_m * 60.0 / (speed * 1000.0):.10g}min"


def band_at_speed(demand: pd.DataFrame, band: str, speed_kmh: float | None) -> str:
    """:func:`band_as_scored` of the band labelled ``band`` walked at ``speed_kmh`` (None: the
    speed the walks were scored at, the label itself).

    Examples
    --------
    >>> demand = pd.DataFrame({"band": ["15min"], "walk_m": [900.0], "walk_min": [13.5]})
    >>> band_at_speed(demand, "15min", 3.0), band_at_speed(demand, "15min", None), band_at_speed(demand, "500m", 3.0)
    ('11.25min', '15min', '500m')
    """
    value, unit = parse_band(band)
    if speed_kmh is None or unit != "min":
        return band
    return band_as_scored(demand, Band(band, minutes_to_m(value, speed_kmh), value))


def band_words(band: str, zh: bool = True) -> str:
    """A band label in words for people: ``"15min"`` -> ``"15分钟"`` / ``"15 min"``, ``"500m"`` -> ``"500米"``.

    Labels that are not a band (``"beyond"``, a column name) come back unchanged.

    Examples
    --------
    >>> band_words("15min"), band_words("500m"), band_words("10min", zh=False)
    ('15分钟', '500米', '10 min')
    """
    match = re.match(r"^(\d+(?:\.\d+)?)(min|m)$", str(band))
    if not match:
        return str(band)
    n, unit = match.group(1).removesuffix(".0"), match.group(2)
    if zh:
        return f"{n}分钟" if unit == "min" else f"{n}米"
    return f"{n} min" if unit == "min" else f"{n} m"
