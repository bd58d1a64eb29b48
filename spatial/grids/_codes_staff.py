"""Grid codes and staffing added to a drawn grid table (for :mod:`spatial.grids.partition`, the
redraw and the distributed run): the communities' division codes under the names offices give
them, a community whose code is wrong or shared reported, the others coded. May import
:mod:`spatial.grids.codes` and :mod:`spatial.grids.workforce`."""

from __future__ import annotations

import geopandas as gpd


#: The communities' 12-digit statistical division code, under the names offices give it.
CODE_COLUMNS = ("code", "统计用区划代码", "区划代码", "行政区划代码")


def code_column(communities, community_id_col: str) -> str | None:
    """The communities' column of 12-digit division codes: the first of :data:`CODE_COLUMNS` they
    have, else their ids when every one is such a code (offices number communities by it, 社区编号
    310101005001), else None."""
    code_col = next((c for c in CODE_COLUMNS if c in communities.columns), None)
    if code_col is None and len(communities):
        from spatial.grids.codes import valid_division_codes

        if valid_division_codes(communities[community_id_col]).all():
            code_col = community_id_col
    return code_col


def uncoded(grids, communities, community_id_col: str = "community_id"):
    """A :class:`~spatial.core.checks.Report` of one row when the grids have no codes because the
    communities carry no division code (none for a community whose code is wrong: drawing says
    that itself): an office's 网格 sheet without 网格编码 is said, not left to be noticed."""
    from spatial.core.checks import Report

    report = Report()
    if len(grids) and "grid_code" not in grids.columns and code_column(communities, community_id_col) is None:
        report.add("grids", "-", f"no grid codes (grid_code): the communities have no 12-digit division code column "
                   f"({', '.join(CODE_COLUMNS)}) and their ids are no such codes",
                   "add each community's 12-digit 统计用区划代码 as a column 'code' to number its grids",
                   zh=("网格没有编码（grid_code）：社区图层没有12位统计用区划代码列，社区编号也不是此类代码",
                       "请在社区图层中加入 'code' 列（12位统计用区划代码），以生成网格编码"))
    return report


def _codes_and_staff(grids, communities, community_id_col, code_layout, report, kept_seq=None,
                     object_type="000000"):
    """Add grid codes and staffing when ``spatial.grids.codes`` / ``spatial.staffing`` are available."""
    try:
        from spatial.grids.codes import assign_grid_codes
    except ImportError:  # pragma: no cover - module written in parallel
        assign_grid_codes = None
    code_col = code_column(communities, community_id_col) if assign_grid_codes is not None and code_layout else None
    if assign_grid_codes is not None and code_layout and code_col is not None:
        from spatial.grids.codes import _division_text, _layout, valid_division_codes

        # the grid table names the community 'community_id' whatever the communities call it (社区编号)
        communities = gpd.GeoDataFrame({"community_id": communities[community_id_col].to_numpy(),
                                        "code": communities[code_col].to_numpy()},
                                       geometry=communities.geometry.values, crs=communities.crs)
        community_id_col = "community_id"
        try:
            grids = assign_grid_codes(grids, communities, layout=code_layout, community_id_col=community_id_col,
                                      kept_seq=kept_seq, object_type=object_type)
        except ValueError as exc:
            ok = valid_division_codes(communities["code"]).to_numpy()
            ok = ok & ~_division_text(communities["code"]).where(ok).dropna().duplicated(keep=False).reindex(
                communities.index, fill_value=False).to_numpy()  # communities sharing a code: neither coded
            # a community with more grids than the layout numbers gets none either (its code is
            # right: merge grids or take a layout of 3 grid digits), the others keep theirs
            limit = 10 ** _layout(code_layout)[1] - 1
            n_grids = grids[community_id_col].value_counts()
            crowded = communities[community_id_col].map(n_grids).fillna(0).to_numpy() > limit
            ok = ok & ~crowded
            coded = None
            if ok.any() and not ok.all():  # one community's code missing: the others' grids keep theirs
                mine = grids[community_id_col].isin(communities.loc[ok, community_id_col])
                try:
                    coded = assign_grid_codes(grids[mine], communities[ok], layout=code_layout,
                                              community_id_col=community_id_col, kept_seq=kept_seq,
                                              object_type=object_type)
                except ValueError:
                    coded = None
            if coded is not None:
                grids = grids.copy()
                grids["grid_seq"] = coded["grid_seq"].reindex(grids.index).astype("Int64")
                grids["grid_code"] = coded["grid_code"].reindex(grids.index).astype(object)
                grids["grid_code"] = grids["grid_code"].where(grids["grid_code"].notna(), None)
                action = "the grids of those communities have no code; fix their 'code' (the others have theirs)"
                action_zh = "这些社区的网格没有编码；请修正其 'code'（其他社区的网格已编码）"
                if crowded.any():
                    action = ("the grids of those communities have no code (the others have theirs): "
                              "fix their 'code', or where there are too many merge grids or take a layout of 3 grid digits "
                              "(code_layout='db11' in Python or under a project file's [grids])")
                    action_zh = ("这些社区的网格没有编码（其他社区的网格已编码）：请修正其 'code'，"
                                 "网格过多的请合并网格或改用 code_layout='db11'")
            elif crowded.any():
                action = ("no grid has a code: merge grids, or take a layout of 3 grid digits "
                          "(code_layout='db11' in Python or under a project file's [grids])")
                action_zh = "所有网格均未编码：请合并网格，或改用 code_layout='db11'（网格码3位）"
            else:
                action, action_zh = "fix the communities' 'code' column", "请修正社区图层的 'code' 列"
            report.add("grids", "-", f"grid codes not assigned: {exc}", action,
                       zh=(f"未能赋予网格编码：{getattr(exc, 'zh', None) or exc}", action_zh))
    try:
        from spatial.grids.workforce import staffing
    except ImportError:  # pragma: no cover
        return grids
    return staffing(grids)
