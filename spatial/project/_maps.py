"""The maps of a project run (:mod:`spatial.project.pipeline`'s write step): the HTML maps and the
printed overview (overview.png) with the run's headline figures on it.
"""

from __future__ import annotations

from pathlib import Path

from spatial.project._headline import figures
from spatial.project._inputs import _opt
from spatial.project.config import Project

__all__ = ["run_maps", "run_png"]


def run_maps(project: Project, layers: dict, out: Path, *, rule_pct: float | None) -> list[Path]:
    """The run's HTML maps: grids.html and grid_editor.html with grids (``rule_pct``: the rule the
    editor flags grids by), coverage.html with walks, overview.html with both."""
    from spatial.maps.interactive import coverage_map, grid_map, overview_map, save_map

    lang = project.outputs.get("lang", "zh")
    g = project.grids
    files = []
    credits = list(project.outputs.get("credits", []))
    common = {"communities": layers.get("communities"), "network_edges": layers.get("network_edges"),
              "lang": lang, "credits": credits}
    if "grids" in layers:
        m = grid_map(layers["grids"], min_households=g["min_households"],
                     max_households=g["max_households"], notes=layers.get("report"), **common)
        files.append(save_map(m, out / "grids.html"))
        if "units" in layers and "grid_id" in layers["units"].columns:
            from spatial.maps.editor import save_grid_editor

            files.append(save_grid_editor(
                layers["units"], out / "grid_editor.html", layers.get("communities"),
                roads=_first(layers, "roads", "_grid_roads", "network_edges"),  # the roads the grids followed
                unit_id_col=_opt(project, "units", "id_col", "unit_id"),
                households_col=_opt(project, "units", "households_col", "households"),
                population_col=_opt(project, "units", "population_col", "population"),
                min_households=g["min_households"], max_households=g["max_households"],
                max_deviation_pct=rule_pct, street_gap_m=g.get("street_gap_m", 30.0),
                gated_col=g.get("gated_col"), lang=lang, credits=credits,
                retired=layers.get("_retired", ())))
    if "coverage_demand" in layers:
        from spatial.maps._fills import sites_by_title

        # the gaps name the new sites as the overview titles them (建议新站 1), coverage.html drawing none
        gaps = sites_by_title(layers.get("gaps"), layers.get("sites") if "grids" in layers else None, lang)
        cov = {"isochrones": layers.get("isochrones"), "gaps": gaps,
               "summary": layers.get("coverage_summary"), "speed_kmh": project.coverage["speed_kmh"],
               "slope": slope_said(layers, lang)}
        # the new sites on the overview; with no grids drawn, on this map (else on none)
        m = coverage_map(layers["coverage_demand"], layers["stations"], **cov, **common,
                         sites=None if "grids" in layers else layers.get("sites"))
        files.append(save_map(m, out / "coverage.html"))
        if "grids" in layers:
            m = overview_map(grids=layers["grids"], demand=layers["coverage_demand"],
                             stations=layers["stations"], sites=layers.get("sites"),
                             min_households=g["min_households"], max_households=g["max_households"],
                             notes=layers.get("report"), **cov, **common)
            files.append(save_map(m, out / "overview.html"))
    return files


def run_png(project: Project, layers: dict, out: Path, *, band: str) -> Path:
    """overview.png: the grids, walks, gaps and sites on one page for a meeting (homes beyond ``band``
    in magenta), with the headline figures (households within each band, and with the proposed
    sites) as the run ends with them."""
    from spatial.maps.static import overview_png

    o = project.outputs
    params = {"parameters": {"siting": project.siting, "coverage": project.coverage}}
    lines = figures(layers, params, o.get("lang", "zh"))
    return overview_png(
        out / "overview.png", communities=layers["communities"], grids=layers.get("grids"),
        demand=layers.get("coverage_demand"), stations=layers.get("stations"),
        gaps=layers.get("gaps"), sites=layers.get("sites"), network_edges=layers.get("network_edges"),
        band=band, title=project.name, lang=o.get("lang", "zh"), credits=o.get("credits", []), figures=lines)


def _first(layers: dict, *names: str):
    """The first of the layers ``names`` the run has: the editor draws the roads the grids followed."""
    return next((layers[n] for n in names if layers.get(n) is not None), None)


def slope_said(layers: dict, lang: str) -> str | None:
    """The slope model the run's walks were timed with (None on the flat), and by how much the
    slopes move the largest minute band's households (``walking_coverage``'s ``attrs["slope_effect"]``)."""
    from spatial.coverage._slopes import effect_text

    if layers.get("dem") is None:
        return None
    effect = effect_text(getattr(layers.get("coverage_demand"), "attrs", {}).get("slope_effect"), lang)
    model = layers["dem"].describe(lang)
    return model if effect is None else f"{model}{'；' if lang == 'zh' else '; '}{effect}"
