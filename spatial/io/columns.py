"""Find the columns a job needs under the names real files give them (编号, 户数, 站点名称 ...).

Planners' tables rarely use the contract's names (``unit_id``, ``households``, ``station_id``);
they say 编号, 户数, 站点编号. :func:`find_column` takes the name given by the user, else the
contract's name (or its first 10 characters, all a shapefile keeps: ``community_``), else the
first of a short list of common Chinese and English names, and says which column it chose. Nothing is renamed: the chosen name is passed to the library's ``*_col``
options, so results keep the input's columns.
"""

from __future__ import annotations

import logging
import re

import pandas as pd

from spatial.core.errors import ColumnError

logger = logging.getLogger(__name__)

__all__ = ["ROLES", "find_column"]

#: Role -> (contract name, other common names, in order of preference).
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "unit_id": ("unit_id", ("单元编号", "单元号", "小区编号", "楼栋编号", "编号", "代码", "编码", "id", "code")),
    # 序号 last: a list typed by hand (序号, 站点名称, 经度, 纬度) numbers its rows and has no other id
    "station_id": ("station_id", ("站点编号", "站点代码", "站点编码", "编号", "代码", "编码", "id", "code", "序号")),
    "candidate_id": ("candidate_id", ("候选编号", "候选点编号", "编号", "代码", "id", "code", "序号")),
    "community_id": ("community_id", ("社区编号", "社区代码", "社区编码", "编号", "代码", "code", "id")),
    "grid_id": ("grid_id", ("网格编号", "网格号", "所属网格", "网格代码", "网格编码", "编号", "网格名称", "网格名")),
    "households": ("households", ("户数", "住户数", "总户数", "常住户数", "居民户数", "hh", "household")),
    "population": ("population", ("人口", "常住人口", "人口数", "总人口", "居住人口", "pop")),
    # a unit's buildings (楼栋 / 幢): the grids' n_buildings and their 楼栋长
    "buildings": ("buildings", ("楼栋数", "楼栋数量", "楼数", "栋数", "幢数", "楼幢数", "建筑数", "n_buildings")),
    "name": ("name", ("名称", "站点名称", "小区名称", "社区名称", "名字", "站名")),
    # a community's 街道 (sub-district): the summaries' street level and the Dask parts
    "street": ("street", ("街道", "所属街道", "街道名称", "街道办", "街道办事处", "乡镇街道", "镇街", "subdistrict")),
    # floor_area: floor_area_m2 cut to 10 characters, as a shapefile (dBASE) stores it
    "floor_area": ("floor_area_m2", ("建筑面积", "用房面积", "使用面积", "面积", "floor_area")),
    # a lock list's yes/no column (--lock): a column added to grids.csv or the workbook's 网格 sheet
    "locked": ("locked", ("锁定", "是否锁定", "锁定网格", "lock")),
    # buildings (--from-buildings): the id naming each in the report with its fid, 楼号 12栋 (fid 40);
    # the first whose values repeat nowhere (spatial.io._rownames.building_id_column)
    "building_id": ("building_id", ("楼栋编号", "楼栋号", "楼号", "栋号", "建筑编号", "osm_id", "osmid", "id", "unit_id",
                                    "单元编号", "编号", "name", "名称")),
}


#: The traditional characters of the names looked for, as tables from Taiwan and Hong Kong (Big5)
#: write them (經度, 站點編號, 戶數, x座標), and the simplified ones they are matched as.
_SIMPLIFIED = str.maketrans("東鄉幾辦區單號處屬總戶數標棟樓點碼積稱築緯經編網選鎖鎮座",
                            "东乡几办区单号处属总户数标栋楼点码积称筑纬经编网选锁镇坐")


def bare_name(name) -> str:
    """A column name as the readers match it: brackets, spaces and case aside, traditional
    characters as simplified ("经度（GCJ02）", " LNG " and "經度" count as 经度, lng, 经度).

    Examples
    --------
    >>> bare_name("經度（WGS84）"), bare_name(" Unit_ID "), bare_name("戶數 (户)")
    ('经度', 'unit_id', '户数')
    """
    return re.sub(r"[(（\[].*?[)）\]]|\s", "", str(name)).lower().translate(_SIMPLIFIED)


def _key(name: str) -> str:
    # "户数（户）", " Households " and "站点编号 (ID)" count as their bare names
    return bare_name(name).replace("_", "")


def find_column(
    df: pd.DataFrame,
    role: str,
    *,
    given: str | None = None,
    layer: str = "layer",
    option: str | None = None,
    required: bool = True,
) -> str | None:
    """The column of ``df`` that plays ``role``: ``given``, the contract name, or a common name.

    Parameters
    ----------
    df : DataFrame
        The layer or table.
    role : str
        A key of :data:`ROLES` (``"households"``, ``"unit_id"``, ...).
    given : str, optional
        The name the user passed (e.g. ``--households-col 户数``); must exist.
    layer : str
        The layer's name (or file) for messages.
    option : str, optional
        The option that sets it, named in messages (default ``--<role>-col``).
    required : bool
        Raise when nothing is found; else return None.

    Returns
    -------
    str or None
        The column name. When it is not the contract's name, one INFO line says
        ``using column 户数 as households``.

    Raises
    ------
    ColumnError
        ``given`` is not a column, or no column fits and ``required``.

    Examples
    --------
    >>> import pandas as pd
    >>> find_column(pd.DataFrame({"编号": [1], "户数（户）": [20]}), "households")
    '户数（户）'
    """
    canonical, others = ROLES[role]
    option = option or f"--{role.replace('_', '-')}-col"
    columns = [str(c) for c in df.columns if c != getattr(df, "_geometry_column_name", None)]
    if given is not None:
        if given not in df.columns:
            raise ColumnError(f"'{layer}' has no column {given!r} (given as {option}); it has: "
                              f"{', '.join(columns)}")
        return given
    if canonical in df.columns:
        return canonical
    keys: dict[str, str] = {}
    for c in columns:
        keys.setdefault(_key(c), c)
    # a shapefile (dBASE) keeps 10 characters of a name: another tool's export of community_id
    # holds community_, found before the common names (its 'code' column is not its ids)
    dbase = (canonical[:10],) if len(canonical) > 10 else ()
    for name in (canonical, *dbase, *others):
        found = keys.get(_key(name))
        if found is not None:
            logger.info("'%s': using column %s as %s", layer, found, canonical)
            return found
    if not required:
        return None
    raise ColumnError(f"'{layer}' has no {canonical} column (looked for {canonical}, {', '.join(others)}); "
                      f"it has: {', '.join(columns)}. Pass the column with {option}")
