"""What a project run's workbook and ``results.gpkg`` carry beside the layers: the 说明 sheet's
statements, the grids-only summary rows, a redraw's moves in the workbook's language, layers in
EPSG:4326. Private plumbing of :mod:`spatial.project.pipeline`; imports the library's public
functions only.
"""

from __future__ import annotations

import pandas as pd

from spatial.core.checks import marked_synthetic
from spatial.project.config import Project


def _moves_words(moves, lang: str):
    """A redraw's moves with their reasons in the workbook's language."""
    if moves is None:
        return None
    from spatial.grids.redraw import moves_in

    return moves_in(moves, lang)


def _moves_csv(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A redraw's moves as moves.csv carries them: in a Chinese run each reason in the words of the
    workbook's 网格调整清单 beside it (``reason_zh``; moves.csv said "passed along a chain of
    neighbouring grids" where the sheet says 沿相邻网格依次调整…), the reason kept for machines."""
    if lang != "zh" or "reason" not in moves.columns:
        return moves
    out = moves.copy()
    out.insert(list(out.columns).index("reason") + 1, "reason_zh", _moves_words(moves, "zh")["reason"].to_numpy())
    return out


def _wgs84(layer):
    """A layer for results.gpkg: every layer in one CRS, EPSG:4326 (tables unchanged); a gap's
    site (``site_x``, ``site_y`` in the working CRS) as ``site_lon``, ``site_lat``."""
    crs = getattr(layer, "crs", None)
    if crs is None:
        return layer
    if "site_x" in layer.columns:
        from spatial.io.coords import with_lonlat

        layer = with_lonlat(layer, x="site_x", y="site_y")
    return layer if crs.to_epsg() == 4326 else layer.to_crs(4326)


def _grid_summary(grids: pd.DataFrame, communities) -> pd.DataFrame:
    """The workbook's overall, street and community rows of a run that drew grids only: units,
    households and population summed over each level's grids (as the coverage summary counts them)."""
    cols = {"n_units": "n_points", "households": "households", "population": "population"}
    cols = {k: v for k, v in cols.items() if k in grids.columns and grids[k].notna().any()}
    table = pd.DataFrame(grids[["community_id", *cols]]).rename(columns=cols)
    parts = [table.drop(columns="community_id").sum().to_frame().T.assign(level="overall", id="all")]
    if communities is not None and "street" in communities.columns and "community_id" in communities.columns:
        street = dict(zip(communities["community_id"].astype(str), communities["street"]))
        by = table.assign(id=table["community_id"].astype(str).map(street)).dropna(subset=["id"])
        parts.append(by.drop(columns="community_id").groupby("id", sort=False).sum().reset_index()
                     .assign(level="street"))
    per = table.assign(id=table["community_id"].astype(str)).drop(columns="community_id").groupby("id").sum()
    if communities is not None and "community_id" in communities.columns:  # in the communities' order
        order = [i for i in communities["community_id"].astype(str) if i in per.index]
        per = per.loc[order + [i for i in per.index if i not in set(order)]]
    parts.append(per.reset_index().assign(level="community"))
    out = pd.concat(parts, ignore_index=True)
    return out[["level", "id", *cols.values()]]


def _about(project: Project, layers: dict) -> dict:
    """What the workbook's 说明 sheet states: speed, bands, snap rule, household band, credits."""
    c, g = project.coverage, project.grids
    bands = [f"{m:g}m" for m in c["meters"]] if c.get("meters") else [f"{m:g}min" for m in c["minutes"]]
    zh = project.outputs.get("lang", "zh") == "zh"
    net = layers.get("network")
    credits = ["路网 © OpenStreetMap contributors（ODbL 1.0）" if zh
               else "Walking network © OpenStreetMap contributors (ODbL 1.0)"] \
        if "network" in project.inputs and getattr(net, "from_osm", True) else []  # (grids only: maybe none)
    credits += list(project.outputs.get("credits", []))  # the planner's own sources, as they name them
    if marked_synthetic(*(layers.get(n) for n in ("units", "communities", "stations"))):
        credits.append("社区、居民单元与服务站为示意（合成）数据，非真实统计" if zh
                       else "communities, residential units and stations are synthetic demo data")
    return {"speed_kmh": c["speed_kmh"], "bands": bands, "max_snap_m": c.get("max_snap_m", 100.0),
            "max_off_network_m": c["max_off_network_m"], "detour_factor": c["detour_factor"],
            "min_m2_per_100hh": c["min_m2_per_100hh"], "walls": layers.get("barriers") is not None,
            "min_households": g["min_households"], "max_households": g["max_households"], "credits": credits,
            **({"slope": layers["dem"].describe("zh" if zh else "en")} if layers.get("dem") is not None else {})}
