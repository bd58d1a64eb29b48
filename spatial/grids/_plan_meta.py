"""The metadata of a plan's ``grids`` layer in a GeoPackage (``spatial grids`` and ``spatial run``
write it): the band its grids were judged against, the rule near the mean they were drawn to, and
the names of grids the plan had and has no longer, which no new grid takes again. Re-exported by
:mod:`spatial.grids.plan`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["band_metadata", "names_beside", "recorded_band", "recorded_gated", "recorded_rule", "retired_after",
           "unrecorded"]

#: Metadata keys of a plan's ``grids`` layer: the band its ``band_status`` was judged against.
MIN_KEY, MAX_KEY = "min_households", "max_households"
#: ... and the rule near the mean its grids were drawn (or redrawn) to, when one was.
RULE_KEY = "max_deviation_pct"
#: ... and the grid names the plan had before and has no longer (merged away): not given again.
RETIRED_KEY = "retired_grids"
#: ... and the units' column of gated estates (小区) kept whole, when it was named (``--gated-col``):
#: the editor and an evaluation of the file keep and check the same estates.
GATED_KEY = "gated_col"


def band_metadata(min_households: float, max_households: float,
                  max_deviation_pct: float | None = None, retired=(), gated_col: str | None = None) -> dict[str, str]:
    """The metadata of a plan's ``grids`` layer: the band its grids' ``band_status`` was judged
    against, and the rule near the mean they were drawn to (``max_deviation_pct``, when one was),
    so that the editor and the map check them against the same band and rule; and the names of
    grids the plan has had and has no longer (``retired``, merged away: :func:`retired_after`),
    which a later redraw or the editor never gives a new grid (:func:`names_beside`); and the
    units' estate column (``gated_col``, when one was named), which the editor and an evaluation
    of the file read as theirs (:func:`recorded_gated`).

    Examples
    --------
    >>> band_metadata(200, 400.0)
    {'min_households': '200', 'max_households': '400'}
    >>> band_metadata(300, 500, 5)
    {'min_households': '300', 'max_households': '500', 'max_deviation_pct': '5'}
    """
    meta = {MIN_KEY: f"{float(min_households):g}", MAX_KEY: f"{float(max_households):g}"}
    if max_deviation_pct is not None:
        meta[RULE_KEY] = f"{float(max_deviation_pct):g}"
    if len(retired):
        import json

        meta[RETIRED_KEY] = json.dumps([str(n) for n in retired], ensure_ascii=False)
    if gated_col is not None:
        meta[GATED_KEY] = str(gated_col)
    return meta


def retired_after(before, now) -> list[str]:
    """The grid names of ``before`` (a plan's, and those it had retired already) that ``now`` (the
    redrawn plan's) has no longer, in the order people count them: numbers a grid merged away
    held, which no new grid of the plan's life takes again (a 台账 or 四至 listing the old grid
    would then name other ground).

    Examples
    --------
    >>> retired_after(["C1-01", "C1-02", "C1-04", "C1-10", None], ["C1-01", "C1-02", "C1-05"])
    ['C1-04', 'C1-10']
    """
    from spatial.core.checks import natural_key

    now = {str(n).strip() for n in now if n is not None and not (not isinstance(n, str) and pd.isna(n))}
    gone = {str(n).strip() for n in before if n is not None and not (not isinstance(n, str) and pd.isna(n))} - now
    return sorted((n for n in gone if n), key=natural_key)


def unrecorded(before, plan, now, name: str) -> tuple[str, str, str, tuple[str, str]] | None:
    """The report row ``(new grids, problem, action, (problem, action) in Chinese)`` of a redraw that made new grids with no
    record of the names its plan had before (``before``, from :func:`names_beside`, empty: a plan
    CSV redrawn with units of another file than the results it was exported from): its new grids
    take the numbers after the plan's grids (``plan``), which a grid merged away may have had. None
    when there is a record or no new grid (``now``: the redrawn plan's names).

    Examples
    --------
    >>> unrecorded([], ["C1-01", "C1-02"], ["C1-01", "C1-02", "C1-03"], "'plan.csv'")[0]
    'C1-03'
    >>> unrecorded(["C1-01", "C1-02", "C1-03"], ["C1-01", "C1-02"], ["C1-01", "C1-02", "C1-04"], "'plan.csv'") is None
    True
    """
    from spatial.core.checks import natural_key

    had = {str(n).strip() for n in plan if n is not None and not (not isinstance(n, str) and pd.isna(n))}
    new = sorted({str(n) for n in now} - had, key=natural_key)
    if len(before) or not new:
        return None
    return ("、".join(new), f"{name} carries no record of the grid names its plan retired (a results file's grids "
            f"layer keeps one): new grid{'s' if len(new) > 1 else ''} numbered after the plan's grids",
            "kept; if a grid merged away before had that number, rename the new grid (a plan redrawn from its results "
            "file, or with that file's units, keeps the record)",
            (f"{name} 未记录原方案已撤销的网格名称（成果文件的网格图层记有）：新网格按原方案网格之后的编号命名",
             "保留；如该编号曾属于已合并撤销的网格，请为新网格改名（从成果文件或用其单元图层调整的方案会保留该记录）"))


def names_beside(path: str | Path, layer: str | None = None) -> list[str]:
    """Every grid name the plan beside ``path`` has had: the ``grids`` layer of the GeoPackage
    ``path`` (a results file a plan, or a plan's units, come from) and the names its metadata says
    the plan retired (:func:`band_metadata`; of the editor's GeoJSON export, those it records); empty for
    another kind of file or one without grids. A redraw or the editor gives none of them to a new grid, so a number merged away (C1-04
    into C1-03, in the editor or a redraw) is not given again to other ground."""
    import json

    path = Path(path)
    if path.suffix.lower() in GEOJSON_SUFFIXES and path.is_file():  # the editor's export: the names it retired
        try:
            old = json.loads(geojson_metadata(path).get(RETIRED_KEY) or "[]")
        except ValueError:
            old = []
        return [str(n).strip() for n in (old if isinstance(old, list) else []) if n is not None and str(n).strip()]
    if path.suffix.lower() != ".gpkg" or not path.is_file():
        return []
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        if "grids" not in {str(x) for x in pyogrio.list_layers(path)[:, 0]}:
            return []
        fields = set(pyogrio.read_info(path, layer="grids")["fields"])
        names = [] if "grid_id" not in fields else pyogrio.read_dataframe(
            path, layer="grids", columns=["grid_id"], read_geometry=False)["grid_id"].tolist()
    except (DataSourceError, DataLayerError):
        return []
    try:
        old = json.loads(_grids_metadata(path, "grids").get(RETIRED_KEY) or "[]")
    except ValueError:
        old = []
    out = [str(n).strip() for n in [*names, *(old if isinstance(old, list) else [])]
           if n is not None and not (not isinstance(n, str) and pd.isna(n)) and str(n).strip()]
    return list(dict.fromkeys(out))


def _grids_metadata(path, layer: str) -> dict:
    """The GDAL metadata of ``layer`` in the GeoPackage ``path``; empty when the file or the
    layer is not there."""
    import warnings

    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    from spatial.io._gdal import MEASURES

    path = Path(path)
    if path.suffix.lower() in GEOJSON_SUFFIXES and path.is_file():
        return geojson_metadata(path)
    if path.suffix.lower() != ".gpkg" or not path.is_file():
        return {}
    try:
        with warnings.catch_warnings():  # layers with measures (M): the reader says so, once
            warnings.filterwarnings("ignore", MEASURES, UserWarning)
            if layer not in [str(x) for x in pyogrio.list_layers(path)[:, 0]]:
                return {}
            return pyogrio.read_info(path, layer=layer).get("layer_metadata") or {}
    except (DataSourceError, DataLayerError):
        return {}


#: A GeoJSON plan (the editor's export) records the same keys in this member of its FeatureCollection.
GEOJSON_KEY = "spatial"
GEOJSON_SUFFIXES = (".geojson", ".json")


def geojson_metadata(path) -> dict:
    """The keys of :func:`band_metadata` a GeoJSON plan records in its FeatureCollection's
    ``"spatial"`` member (the editor's GeoJSON export writes the band, rule and estate column of
    its page there, as a results file's grids layer keeps them); empty when it records none.
    Before, a page made again from that export, or an evaluation of it, read the estates of a
    ``小区名称`` column as none and checked a plan drawn for 200-400 against 300-500."""
    import json

    try:
        with open(path, encoding="utf-8-sig") as f:
            meta = json.load(f).get(GEOJSON_KEY)
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(meta, dict):
        return {}
    return {str(k): str(v) for k, v in meta.items() if v is not None and isinstance(v, (str, int, float))}


def recorded_band(path, layer: str = "grids") -> tuple[float, float] | None:
    """``(min_households, max_households)`` recorded in ``layer`` of the GeoPackage ``path``
    (:func:`band_metadata`); None when the file, the layer or the record is not there (a plan of
    another tool, or of an older version)."""
    meta = _grids_metadata(path, layer)
    try:
        lo, hi = float(meta[MIN_KEY]), float(meta[MAX_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    return (lo, hi) if np.isfinite(lo) and np.isfinite(hi) and 0 <= lo <= hi else None


def recorded_gated(path, layer: str = "grids") -> str | None:
    """The units' column of gated estates (小区) recorded in ``layer`` of the GeoPackage ``path``
    (:func:`band_metadata`: the ``--gated-col`` its grids were drawn with); None when none was
    named or the file does not say."""
    name = _grids_metadata(path, layer).get(GATED_KEY)
    return str(name) if name else None


def recorded_rule(path, layer: str = "grids") -> float | None:
    """The rule near the mean (``max_deviation_pct``, a percentage) recorded in ``layer`` of the
    GeoPackage ``path`` (:func:`band_metadata`); None when its grids were drawn to none (balance
    "band") or the file does not say."""
    try:
        pct = float(_grids_metadata(path, layer)[RULE_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    return pct if np.isfinite(pct) and 0 < pct <= 100 else None
