"""Static PNG overview map for printed reports (matplotlib)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np

from spatial.core._carnet import CAR_NOTE
from spatial.core._frames import lines_frame
from spatial.core.atomic import atomic_path
from spatial.core.checks import marked_synthetic, require_crs, round_half_up
from spatial.core.errors import GeometryError
from spatial.coverage.bands import UNREACHABLE, band_words
from spatial.maps._data import off_network, with_station_reasons
from spatial.maps._fills import gaps_with_homes, no_homes
from spatial.maps._legend import HATCH
from spatial.maps._style import (
    BAND_COLOURS,
    BEYOND_COLOUR,
    GAP_COLOUR,
    NO_HOMES_COLOUR,
    SITE_COLOUR,
    STATION_COLOUR,
    TEXT,
    UNREACHABLE_COLOUR,
    coords_notes,
    credit_list,
    gap_label,
    site_label,
)

__all__ = ["overview_png"]

logger = logging.getLogger(__name__)

_CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
              "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")


def _cjk_font() -> str | None:
    """Name of an installed CJK font, registering system fonts matplotlib's cache has not seen."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((n for n in _CJK_FONTS if n in names), None)
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(key in path.lower() for key in ("wqy", "notosanscjk", "sourcehansans", "simhei")):
                font_manager.fontManager.addfont(path)
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((n for n in _CJK_FONTS if n in names), None)
    return found


def _has_cjk(text: str) -> bool:
    """Whether ``text`` holds a character of the CJK blocks (which DejaVu Sans cannot draw)."""
    return any(0x2E80 <= ord(ch) <= 0x9FFF or 0xF900 <= ord(ch) <= 0xFAFF or 0xFF00 <= ord(ch) <= 0xFFEF
               for ch in text)


def overview_png(
    path: str | Path,
    *,
    communities: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame | None = None,
    demand: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    network_edges: gpd.GeoDataFrame | None = None,
    band: str = "15min",
    title: str | None = None,
    lang: str = "zh",
    dpi: int = 150,
    credits: Sequence[str] | str = (),
    figures: Sequence[str] | str = (),
) -> Path:
    """Draw communities, grids, uncovered units, gaps, stations and new sites to one PNG.

    Chinese labels need a CJK font (Debian ``fonts-wqy-microhei``); without one the map falls
    back to English labels rather than drawing empty boxes, and a Chinese title or credit is left
    off with a warning naming it (the HTML maps and a project's workbook still carry it).

    Parameters
    ----------
    path
        The PNG to write.
    communities
        Community polygons (drawn as outlines).
    grids, demand, stations, gaps, sites, network_edges
        Optional layers as written by the grid, coverage and siting steps (``network_edges``: the
        edges, or the WalkNetwork itself); ``demand`` is coloured by whether its ``band`` reaches
        ``band``, its units of 0 ``households`` hatched apart (无住户: parks, water, road land), and
        ``gaps`` of 0 households are left out.
    band
        The band whose uncovered demand is drawn in the web maps' magenta (units no path reaches
        in their dark purple).
    title, lang, dpi
        Title text, ``"zh"`` or ``"en"``, and resolution.
    credits
        The sources of the data drawn (one string or several), in the credit line after
        OpenStreetMap's.
    figures
        Lines of headline figures printed under the title (a run gives its households within each
        band, and with the proposed sites: :func:`spatial.project._headline.figures`), so the
        page carries them to a meeting; a line the font cannot draw is left off, as a title is.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> demo = spatial.load_demo()
    >>> plan = spatial.partition_grids(demo["units"], demo["communities"])
    >>> path = spatial.overview_png(os.path.join(tempfile.mkdtemp(), "overview.png"),
    ...                             communities=demo["communities"], grids=plan.grids, lang="en")
    >>> path.name, path.read_bytes()[1:4]
    ('overview.png', b'PNG')
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    credits, figures = credit_list(credits), credit_list(figures)
    font = (_cjk_font() if lang == "zh" or any(map(_has_cjk, [*credits, *figures])) or _has_cjk(title or "")
            else None)
    if lang == "zh" and font is None:
        logger.warning("no CJK font found (install fonts-wqy-microhei); the PNG uses English labels")
        lang = "en"
    if font is None:
        if title is not None and _has_cjk(title):
            title = None
        unreadable = [c for c in credits if _has_cjk(c)]
        if unreadable:  # empty boxes would credit no one: say which, and where they still stand
            logger.warning("%s: no CJK font to draw the credit %s (install fonts-wqy-microhei); it is left off "
                           "the PNG (the HTML maps and a project's workbook still carry it)", path,
                           ", ".join(repr(c) for c in unreadable))
            credits = [c for c in credits if not _has_cjk(c)]
        figures = [f for f in figures if not _has_cjk(f)]  # (a Chinese run's figures: the HTML maps say them)
    zh = lang == "zh"
    rc = {"font.family": [font, "DejaVu Sans"]} if font else {}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(rc):
        fig = overview_figure(communities=communities, grids=grids, demand=demand, stations=stations,
                              gaps=gaps, sites=sites, network_edges=network_edges, band=band,
                              title=title, zh=zh, credits=credits, figures=figures)
        try:
            with atomic_path(path) as tmp:  # whole or not at all
                fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
        finally:
            plt.close(fig)
    logger.info("wrote %s", path)
    return path


#: Sites listed one a line under the sites' legend entry; more are counted in one line.
SITE_LINES = 10


def _site_lines(sites, zh: bool, line) -> list:
    """Legend lines under the proposed sites, one a site in build order: ``1：新增 2582 户，累计 83.5%``
    (within the band the ``band`` column names, said once above them); none without the gains
    (a plan of several bands, or sites with no ``gain_households``/``cum_coverage_pct``)."""
    need = ("rank", "gain_households", "cum_coverage_pct", "band")
    if any(c not in sites.columns for c in need) or sites["band"].astype(str).nunique() != 1:
        return []
    band = band_words(str(sites["band"].iloc[0]), zh=zh)
    rows = sites.dropna(subset=["rank", "gain_households", "cum_coverage_pct"])
    if not len(rows):
        return []
    texts = [f"{band}内新增覆盖户数，建成后累计覆盖率：" if zh else f"households gained within {band}, coverage once built:"]
    for _, r in rows.head(SITE_LINES).iterrows():
        n, gain = site_label(r["rank"]), f"{round(float(r['gain_households'])):,}"
        pct = f"{round_half_up(r['cum_coverage_pct'], 1):.1f}%"
        texts.append(f"{n}：新增 {gain} 户，累计 {pct}" if zh else f"{n}: +{gain} households, {pct}")
    if len(rows) > SITE_LINES:
        more = len(rows) - SITE_LINES
        texts.append(f"……另 {more} 处见新站选址表" if zh else f"... {more} more in the sites table")
    return [line([], [], linestyle="none", label=t) for t in texts]


def overview_figure(*, communities, grids=None, demand=None, stations=None, gaps=None, sites=None,
                    network_edges=None, band: str = "15min", title: str | None = None, zh: bool = True,
                    credits: Sequence[str] | str = (), figures: Sequence[str] | str = ()):
    """The matplotlib figure that :func:`overview_png` saves (for tests and custom layouts).

    Ranked gaps and proposed sites carry their numbers in dark text on a white halo; the
    legend is in one language; the credits name only what is drawn (the walking network) and
    the ``credits`` given (the sources of the planner's own data); the ``figures`` stand under
    the title. The page is fitted to what is drawn of the area (communities, grids, homes, gaps,
    sites, the stations that serve it), not to the walking network's extract round it, and the
    scale bar stands in a strip below all of it.
    """
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    network_edges = lines_frame(network_edges)  # a WalkNetwork or an osmnx graph: its edges
    given = {"communities": communities, "grids": grids, "demand": demand, "stations": stations, "gaps": gaps,
             "sites": sites, "network_edges": network_edges}
    for name, layer in given.items():
        if layer is not None or name == "communities":  # the communities are drawn under everything
            require_crs(layer, name)
    if len(communities) == 0:
        raise GeometryError("'communities' is empty; the overview is drawn over the communities: give at least one")
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    crs = communities.estimate_utm_crs()
    fig, ax = plt.subplots(figsize=(11, 9))
    handles = []
    words = band_words(band, zh)
    if network_edges is not None:
        network_edges.to_crs(crs).plot(ax=ax, color="#ffffff", linewidth=0.5, alpha=0.8, zorder=2)
    if grids is not None:
        grids.to_crs(crs).boundary.plot(ax=ax, color="#3b5bdb", linewidth=0.7, zorder=3)
        handles.append(Line2D([], [], color="#3b5bdb", label="网格边界" if zh else "grid"))
    if demand is not None and "band" in demand.columns:
        dm = demand.to_crs(crs)
        out = _uncovered(dm, band)
        cut_off = (dm["band"] == UNREACHABLE).to_numpy()
        empty = no_homes(dm)  # parks, water, road land: hatched apart, as on the web maps (no gap, no coverage)
        # the web maps' colours (``_style``): a printed page and the screen read alike, and the
        # pair holds for red-green colour blindness, as red against green did not
        parts = ((dm[~out & ~empty], BAND_COLOURS[-1], f"步行{words}内可达" if zh else f"within {words} on foot"),
                 (dm[out & ~cut_off & ~empty], BEYOND_COLOUR,
                  f"步行{words}内不可达" if zh else f"not within {words} on foot"),
                 (dm[out & cut_off & ~empty], UNREACHABLE_COLOUR, TEXT["zh" if zh else "en"]["unreachable"]))
        for part, colour, label in parts:
            if len(part):
                part.plot(ax=ax, color=colour, linewidth=0, zorder=1)
                handles.append(Patch(color=colour, label=label))
        if empty.any():
            look = dict(facecolor=NO_HOMES_COLOUR, edgecolor=HATCH, hatch="////", linewidth=0)
            land = dm.geometry[empty]
            if land.geom_type.isin(["Polygon", "MultiPolygon"]).all():  # hatched as one shape: each of the
                land = gpd.GeoSeries([land.union_all()], crs=crs)  # demo's 568 alone took 1.3 CPU-s more
            land.plot(ax=ax, zorder=1, **look)
            handles.append(Patch(**look, label=TEXT["zh" if zh else "en"]["no_homes"]))
    gap_labels = []
    gaps = None if gaps is None else gaps_with_homes(gaps)  # (a park beyond the band is no gap)
    if gaps is not None and len(gaps):
        gp = gaps.to_crs(crs)
        gp = gp.sort_values("rank") if "rank" in gp.columns else gp
        gp.boundary.plot(ax=ax, color=GAP_COLOUR, linewidth=1.2, linestyle="--", zorder=4)
        if "rank" in gp.columns:  # the ranked gaps (service gaps with households), not the others
            ranked = gp[gp["rank"].notna()].head(10)  # (shapes by the layer's own geometry column: 'geom' ...)
            for rank, pt in zip(ranked["rank"], ranked.geometry.representative_point()):
                gap_labels.append(ax.annotate(gap_label(rank), (pt.x, pt.y), color="#1a1a1a", fontsize=10,
                                              ha="center", va="center", zorder=9, path_effects=halo))
        handles.append(Line2D([], [], color=GAP_COLOUR, linestyle="--",
                              label="服务盲区（#数字为按户数排名）" if zh else "coverage gap (#rank by households)"))
    communities.to_crs(crs).boundary.plot(ax=ax, color="#222222", linewidth=1.4, zorder=5)
    handles.append(Line2D([], [], color="#222222", label="社区边界" if zh else "community"))
    stray = None
    if stations is not None and len(stations):
        stations = with_station_reasons(stations, demand)  # stations as read, in Python: as the CLI's
        off = off_network(stations)  # no walk reaches them: drawn last, the page not widened for them
        stray = stations[off] if off.any() and not off.all() else None
        (stations if stray is None else stations[~off]).to_crs(crs).plot(
            ax=ax, color=STATION_COLOUR, markersize=40, marker="o", edgecolor="white", zorder=6)
        handles.append(Line2D([], [], marker="o", color="w", markerfacecolor=STATION_COLOUR, markersize=8,
                              label="党群服务中心/站" if zh else "service station"))
    if sites is not None and len(sites):
        st = sites.to_crs(crs)
        st = st.sort_values("rank") if "rank" in st.columns else st
        st.plot(ax=ax, color=SITE_COLOUR, markersize=220, marker="o", edgecolor="black", linewidth=1.2, zorder=7)
        numbers = st["rank"] if "rank" in st.columns else range(1, len(st) + 1)
        for number, pt in zip(numbers, st.geometry.representative_point()):  # (a site's area: a point in it)
            ax.annotate(site_label(number) or "", (pt.x, pt.y), color="black", fontsize=10, ha="center", va="center", zorder=8)
        handles.append(Line2D([], [], marker="o", color="w", markerfacecolor=SITE_COLOUR, markeredgecolor="black",
                              markersize=11, label="建议新站（数字为建设顺序）" if zh else "proposed site (build order)"))
        handles += _site_lines(st, zh, Line2D)  # what each adds: a printed page has no popups
    if stray is not None:  # a station 2 km off (a typo, one of the next 街道) shrank the town on the page
        stray.to_crs(crs).plot(ax=ax, color=STATION_COLOUR, markersize=40, marker="o", edgecolor="white", zorder=6)
    # the area drawn, not the network's extract round it (Huangpu's 2.4 km of streets made its two
    # communities a stamp at the top of the page) nor a station no walk reaches
    _fit(ax, [communities, grids, demand, gaps, sites, None if stations is None else stations[~off_network(stations)]],
         crs)
    ax.set_axis_off()
    # the planner's own words (title, credits) are drawn as written: '$...$' is not TeX here
    figures = credit_list(figures)
    ax.set_title(title or ("15分钟服务圈与网格总览" if zh else "15-minute service circles and grids"), parse_math=False,
                 pad=6 + 15 * len(figures))
    if figures:  # the headline figures under the title: a printed page carries them to the meeting
        ax.annotate("\n".join(figures), (0.5, 1.0), xycoords="axes fraction", xytext=(0, 5), textcoords="offset points",
                    ha="center", va="bottom", fontsize=10, color="#1a1a1a", linespacing=1.5, annotation_clip=False,
                    parse_math=False)
    # beside the map, not on it: a legend inside hides the homes and grids of the corner it sits in
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=8,
              framealpha=0.9)
    notes = []
    if network_edges is not None and network_edges.attrs.get("from_osm", True):
        notes.append("步行路网 © OpenStreetMap contributors (ODbL)" if zh
                     else "Walking network © OpenStreetMap contributors (ODbL)")
    if marked_synthetic(communities, demand, stations):
        notes.append("社区、居民单元与服务站为示意（合成）数据" if zh
                     else "communities, residential units and stations are synthetic")
    notes += credit_list(credits)
    if notes:
        fig.text(0.01, 0.01, "；".join(notes) if zh else "; ".join(notes), fontsize=7, color="#555555",
                 parse_math=False)
    # stations (or homes) that look like Amap/Baidu numbers read as WGS-84: said on paper as on the web maps,
    # above the credits, in their red
    hints = demand.attrs.get("coords_hints") if demand is not None else None
    red = [*coords_notes("zh" if zh else "en", hints).values(),  # and a network with no footway (one for cars)
           *([CAR_NOTE["zh" if zh else "en"]] if demand is not None and demand.attrs.get("car_network") else [])]
    for i, note in enumerate(red):
        fig.text(0.01, 0.035 + 0.025 * i, note.replace("⚠ ", "注意：" if zh else "Note: "),  # (a font may lack the sign)
                 fontsize=8, color="#a50026", parse_math=False, wrap=True)
    _scale_bar(ax, zh)
    _drop_overlapping(fig, gap_labels)
    return fig


def _drop_overlapping(fig, labels) -> None:
    """Remove each of ``labels`` (in order of importance) that would overlap one kept before it:
    two gaps side by side printed "#10#6" (read as #106) on Huangpu's old city. The web maps
    show such a label on zooming in; a printed page keeps the more important one."""
    if len(labels) < 2:
        return
    from matplotlib.transforms import Bbox

    # the axes as they will be drawn (equal aspect), without drawing the page: positions on it as
    # saved, at any dpi (text scales too)
    labels[0].axes.apply_aspect()
    renderer = fig.canvas.get_renderer()
    kept = []
    for label in labels:
        # a gap of a third of the text's size between two labels, or they read as one ("#5#8")
        pad = label.get_fontsize() / 3 * fig.dpi / 72
        x0, y0, x1, y1 = label.get_window_extent(renderer).extents
        box = Bbox.from_extents(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        if any(box.overlaps(other) for other in kept):
            label.remove()
        else:
            kept.append(box)


def _uncovered(demand: gpd.GeoDataFrame, band: str):
    from spatial.coverage.walks import (
        uncovered,  # the band order lives with the coverage engine
    )

    return demand.index.isin(uncovered(demand, band).index)


def _fit(ax, layers, crs) -> None:
    """The view fitted to the total bounds of ``layers`` (None and empty ones passed over), with a
    margin of 3% (at least 20 m) round them; unchanged when none has a shape."""
    bounds = [layer.to_crs(crs).total_bounds for layer in layers if layer is not None and len(layer)]
    bounds = np.array([b for b in bounds if np.isfinite(b).all()])
    if not len(bounds):
        return
    x0, y0 = bounds[:, :2].min(axis=0)
    x1, y1 = bounds[:, 2:].max(axis=0)
    pad = max(0.03 * max(x1 - x0, y1 - y0), 20.0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)


#: The height of the strip the scale bar stands in, in points: the bar, its label above it, a gap.
_BAR_STRIP_PT = 32.0


def _scale_bar(ax, zh: bool) -> None:
    """A black bar in the lower right with its length written above it on a white box, in a strip
    added below the map's features: drawn over them, it covered the outline and homes of the
    town's southern edge (Futian's 1000 米 sat on its outline)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    length = max([n for n in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000) if n <= width / 4] or [5])
    strip = 0.0
    for _ in range(4):  # the strip's height in metres, at the scale the page draws with it (equal aspect)
        ax.set_ylim(y0 - strip, y1)
        ax.apply_aspect()
        height_pt = ax.get_window_extent().height * 72 / ax.figure.dpi
        per_pt = max((x1 - x0) / (ax.get_window_extent().width * 72 / ax.figure.dpi), (y1 - y0 + strip) / height_pt)
        strip = _BAR_STRIP_PT * per_pt
    ax.set_ylim(y0 - strip, y1)
    x, y = x1 - length - 0.04 * width, y0 - strip + 6 * per_pt
    ax.plot([x, x + length], [y, y], color="black", linewidth=3, zorder=8, solid_capstyle="butt")
    ax.annotate(f"{length} 米" if zh else f"{length} m", (x + length / 2, y), xytext=(0, 6),
                textcoords="offset points", ha="center", va="bottom", fontsize=8, zorder=8,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
