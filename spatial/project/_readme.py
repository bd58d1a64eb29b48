"""The ``README.txt`` of a run's folder, for whoever receives the folder (or a zip of it in WeChat).

An official is sent fifteen files and does not know which to open. The note gives the run's
headline figures (households within each band, before and after the proposed sites), says which
file to open first and how (a browser; in WeChat "open in browser"), and what each file written is,
in the project's language. It is written as UTF-8 with a byte-order mark and CRLF line ends, so
Notepad on an office PC of Windows 7 shows the Chinese and the lines (without the mark it reads
the bytes as GBK; without CR it shows one long line). No date in it: two runs of the same inputs
write the same note. Imports nothing of the package.
"""

from __future__ import annotations

from pathlib import Path

from spatial.core._words import counted

__all__ = ["README_NAME", "grid_figure", "held", "redraw_figure", "write_readme"]

README_NAME = "README.txt"

#: What each file a run may write is, ``(zh, en)``, in the order a reader needs them.
_ABOUT = {
    "overview.html": ("总览地图：网格、15分钟服务圈、覆盖盲区和建议新站。先看这个。",
                      "The overview map: grids, 15-minute coverage, gaps and proposed sites. Start here."),
    "coverage.html": ("15分钟服务圈地图：每个居民单元步行到最近党群服务中心/站的时间，各社区覆盖率。",
                      "The coverage map: each unit's walk to its nearest station, and each community's coverage."),
    "grids.html": ("网格地图：各网格户数、四至、网格员配置。", "The grids map: each grid's households, bounds (四至) and staff."),
    "grid_editor.html": ("网格在线调整：手工把居民单元调到别的网格，户数即时更新，可导出方案 CSV。",
                         "The grid editor: move units between grids by hand with live totals, and export the plan."),
    "overview.png": ("总览图片：可打印，也可直接转发。", "The overview as a picture: to print or to forward."),
    "summary.xlsx": ("汇总表（Excel 或 WPS 打开）：总体、街道、社区、网格、覆盖盲区、服务站负荷、建站前后、数据问题清单，说明页解释每一列。",
                     "The workbook (Excel or WPS): overall, street, community and grid figures, gaps, station load, "
                     "before and after the new sites, data problems, and a sheet defining every column."),
    "results.kmz": ("手机地图文件：用奥维互动地图或 Google Earth 打开（网格、服务站、盲区、建议新站）。",
                    "For a phone's map app (奥维互动地图, Google Earth): grids, stations, gaps and proposed sites."),
    "results.gpkg": ("全部图层（GeoPackage，用 QGIS 或 ArcGIS 打开，WGS-84 坐标）。",
                     "Every layer (GeoPackage, for QGIS or ArcGIS; WGS-84)."),
    "coverage_summary.csv": ("各级覆盖率表（总体、街道、社区、网格）。", "Coverage at each level (overall, street, community, grid)."),
    "grids.csv": ("网格表：编码、户数、与平均户数的偏差、网格员、四至。", "The grids: code, households, deviation, staff, bounds."),
    "gaps.csv": ("覆盖盲区表：按未覆盖户数排序，附成因和建议站址。", "The gaps, most households first, with their cause and a site."),
    "station_load.csv": ("服务站负荷：每个站服务的户数和人口。", "Each station's households and people served."),
    "fca_by_community.csv": ("各社区可达的服务站面积（每百户，2SFCA）。",
                             "Floor area of stations in reach per 100 households, per community (2SFCA)."),
    "sites_before_after.csv": ("建议新站建成前后的覆盖率。", "Coverage before and after the proposed sites."),
    "moves.csv": ("重新划分时调整了网格的居民单元及原因。", "The units the redraw moved to another grid, and why."),
    "run_log.json": ("运行记录：输入文件的校验值、参数、软件版本、各步骤用时（留档、复核用）。",
                     "The run's record: input checksums, parameters, versions, each step (to file and to check)."),
}
#: the shapefiles' line, with their names; a .shp sent alone (in WeChat) opens as nothing
_SHAPEFILE = ("Shapefile 格式的图层（旧版 GIS 软件用）：{names}；转发时要整个文件夹一起发（.shp 离不开同名的 .shx、.dbf、"
              ".prj 等文件）。",
              "Layers as shapefiles for older GIS software: {names}; send the whole folder (a .shp needs the .shx, "
              ".dbf, .prj ... of its name).")
_HOW = ("网页文件（.html）用浏览器打开，不需要联网；在微信中点右上角“···”，选“在浏览器打开”或“用其他应用打开”。",
        "Open the .html files in a browser (no internet needed); in WeChat tap “···” at the top right and "
        "choose “Open in browser”.")


def grid_figure(status, band: tuple[float, float], lang: str = "zh") -> str:
    """A line on the grids of a plan from their ``band_status`` values (``under``, ``in``, ``over``).

    Examples
    --------
    >>> grid_figure(["in", "in", "over"], (300, 500), "en")
    '3 grids: 2 of 300-500 households, 0 under, 1 over (the report says why).'
    >>> grid_figure(["in", "in"], (300, 500), "zh")
    '共 2 个网格：2 个在 300–500 户之间，0 个不足，0 个超出。'
    """
    n = {s: sum(1 for v in status if v == s) for s in ("in", "under", "over")}
    lo, hi = (f"{b:g}" for b in band)
    total = sum(1 for _ in status)
    out = n["under"] + n["over"] > 0  # (each such grid is a report row saying why: locked units, one estate ...)
    if lang == "zh":
        return (f"共 {total} 个网格：{n['in']} 个在 {lo}–{hi} 户之间，{n['under']} 个不足，{n['over']} 个超出"
                + ("（原因见数据问题清单）。" if out else "。"))
    return (f"{counted(total, 'grid')}: {n['in']} of {lo}-{hi} households, {n['under']} under, {n['over']} over"
            + (" (the report says why)." if out else "."))


def rule_figure(deviation_pct, pct: float, lang: str = "zh") -> str:
    """A line on the grids against the rule near the mean they were drawn or redrawn to (``pct``):
    how many of them (their ``deviation_pct`` from their community's mean grid) keep it.

    Examples
    --------
    >>> rule_figure([0.0, 4.9, -7.5], 5, "en")
    "2 of them within 5% of their community's mean grid, 1 further (the report says why)."
    >>> rule_figure([0.0, 4.9], 5, "zh")
    '其中 2 个与所在社区网格平均户数相差不超过 5%。'
    """
    dev = [abs(float(d)) for d in deviation_pct]
    kept = sum(1 for d in dev if d <= pct + 1e-9)
    far = len(dev) - kept
    if lang == "zh":
        return (f"其中 {kept} 个与所在社区网格平均户数相差不超过 {pct:g}%"
                + (f"，{far} 个相差更多（原因见数据问题清单）" if far else "") + "。")
    return (f"{kept} of them within {pct:g}% of their community's mean grid"
            + (f", {far} further (the report says why)" if far else "") + ".")


def redraw_figure(moved: int, new: int, kept_pct: float, lang: str = "zh") -> str:
    """A line on a redrawn plan: how many of the plan's units changed grid, how many units new
    since the plan were given one, and the share of households keeping their grid (as
    ``spatial run`` and ``spatial grids --redraw`` print it).

    Examples
    --------
    >>> redraw_figure(3, 15, 99.16, "en")
    'The plan was redrawn: 3 units moved to another grid, 15 new units given a grid; 99.2% of households keep their grid.'
    """
    if lang == "zh":
        added = f"，{new} 个新增单元划入网格" if new else ""
        return f"按原方案调整：{moved} 个居民单元调整了网格{added}，{kept_pct:.1f}% 的户保持原网格。"
    added = f", {counted(new, 'new unit')} given a grid" if new else ""
    return (f"The plan was redrawn: {counted(moved, 'unit')} moved to another grid{added}; {kept_pct:.1f}% of "
            "households keep their grid.")


#: The layers overview.html and results.kmz may hold, ``(zh, en)``, in the order the lines name them.
_HELD = {"grids": ("网格", "grids"), "coverage": ("15分钟服务圈", "15-minute coverage"), "stations": ("服务站", "stations"),
         "gaps": ("盲区", "gaps"), "sites": ("建议新站", "proposed sites")}


def held(*, grids: bool, coverage: bool, stations: bool, gaps: int | None, sites: int | None, band: str,
         lang: str = "zh", sheets: list[str] | None = None, met: float | None = None) -> dict[str, str]:
    """The lines on overview.html, results.kmz and summary.xlsx for what a run really has: ``gaps``
    and ``sites`` are how many it found (None: not looked for; sites are looked for only when the
    project file has a [siting] table), ``band`` the gaps' band in ``lang``'s words, ``sheets`` the
    workbook's sheets (none: no line of its own), ``met`` a set-cover target (a share) the existing
    stations already reach. Where there is none, the line says so and why: an official read
    "覆盖盲区和建议新站" and looked for a gap that was not there.

    Examples
    --------
    >>> held(grids=True, coverage=True, stations=True, gaps=0, sites=None, band="15 min", lang="en")["overview.html"]
    'The overview map: grids and 15-minute coverage; no gaps (every household within 15 min); no sites proposed (siting was not run: the project file has no [siting]). Start here.'
    >>> held(grids=True, coverage=True, stations=True, gaps=2, sites=1, band="15分钟")["results.kmz"]
    '手机地图文件：用奥维互动地图或 Google Earth 打开（网格、服务站、盲区、建议新站）。'
    """
    zh = lang == "zh"
    none = []
    if not coverage:  # nothing walked: the files hold the grids (and stations) alone
        gaps = sites = 0
    elif gaps == 0:
        none.append(f"没有盲区（所有住户都在{band}内）" if zh else f"no gaps (every household within {band})")
    if coverage and sites is None:
        none.append("没有建议新站（未做选址：项目文件没有 [siting]）" if zh
                    else "no sites proposed (siting was not run: the project file has no [siting])")
    elif coverage and sites == 0:
        if gaps == 0:
            why = "不需新站" if zh else "none needed"
        elif met is not None:  # not "the report says why": it lists candidates, none of them at fault
            why = (f"现有站点已达到目标覆盖率 {100 * met:g}%，不需新站" if zh else
                   f"the existing stations already reach the target {100 * met:g}%; none needed")
        else:
            why = "选址没有选中候选站址，原因见数据问题清单" if zh else "siting chose no candidate; the report says why"
        none.append(f"没有建议新站（{why}）" if zh else f"no sites proposed ({why})")
    has = {"grids": grids, "coverage": coverage, "stations": stations, "gaps": bool(gaps), "sites": bool(sites)}

    def said(names: list[str], last: str, gaps_zh: str = "盲区") -> str:
        words = [(gaps_zh if zh and n == "gaps" else _HELD[n][0 if zh else 1])
                 for n, there in has.items() if there and n in names]
        return last.join([("、" if zh else ", ").join(words[:-1]), words[-1]] if len(words) > 1 else words)

    tail = ("；" if zh else "; ").join(none)
    overview = said(["grids", "coverage", "gaps", "sites"], "和" if zh else " and ", "覆盖盲区")
    kmz = said(["grids", "stations", "gaps", "sites"], "、" if zh else " and ")
    book = {}
    if coverage and gaps == 0:  # gaps.csv: its header alone
        book["gaps.csv"] = (f"覆盖盲区表：本次没有盲区（所有住户都在{band}内），只有表头。" if zh else
                            f"The gaps: none this run (every household within {band}), the header alone.")
    if sheets:  # the sheets the workbook has (no 盲区 page without a gap, no 建站前后 without a site)
        book["summary.xlsx"] = (f"汇总表（Excel 或 WPS 打开），各页：{'、'.join(sheets)}；说明页解释每一列。" if zh else
                                f"The workbook (Excel or WPS), sheets: {', '.join(sheets)}; the notes sheet defines "
                                "every column.")
    if zh:
        return book | {"overview.html": f"总览地图：{'；'.join(filter(None, [overview, tail]))}。先看这个。",
                "results.kmz": f"手机地图文件：用奥维互动地图或 Google Earth 打开（{kmz}）" + (f"；{tail}。" if tail else "。")}
    return book | {"overview.html": f"The overview map: {'; '.join(filter(None, [overview, tail]))}. Start here.",
            "results.kmz": f"For a phone's map app (奥维互动地图, Google Earth): {'; '.join(filter(None, [kmz, tail]))}."}


def write_readme(folder: Path, files: list[Path], *, title: str, figures: list[str], lang: str = "zh",
                 about: dict[str, str] | None = None) -> Path:
    """Write ``README.txt`` into ``folder``: ``title``, the ``figures`` lines, how to open the
    maps, and a line on each of ``files`` (paths in ``folder``) it knows, in the order of
    ``_ABOUT`` (``about``: a file's own line where the run's layers say what it holds, as
    :func:`held` makes them); return its path.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = write_readme(folder, [folder / "summary.xlsx", folder / "overview.html"], title="示例",
    ...                     figures=["共 1,000 户。"], lang="zh")
    >>> print(path.read_text(encoding="utf-8-sig").replace("\\r\\n", "\\n").splitlines()[:5])
    ['示例', '', '共 1,000 户。', '', '网页文件（.html）用浏览器打开，不需要联网；在微信中点右上角“···”，选“在浏览器打开”或“用其他应用打开”。']
    """
    i = 0 if lang == "zh" else 1
    names = {p.relative_to(folder).as_posix() for p in files}
    blocks = [[title], figures, [_HOW[i]] if any(n.endswith(".html") for n in names) else []]
    width = max((len(n) for n in names), default=0) + 2
    own = about or {}
    listed = [f"  {n.ljust(width)}{own.get(n, words[i])}" for n, words in _ABOUT.items() if n in names]
    shapefiles = sorted(n for n in names if n.startswith("shapefile/"))
    if shapefiles:
        said = ("、" if i == 0 else ", ").join(Path(n).name for n in shapefiles)
        listed.append(f"  {'shapefile/'.ljust(width)}{_SHAPEFILE[i].format(names=said)}")
    blocks.append(["文件：" if i == 0 else "Files:", *listed])
    lines = [line for block in (b for b in blocks if b) for line in ("", *block)][1:]  # a blank line between blocks
    path = folder / README_NAME
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path
