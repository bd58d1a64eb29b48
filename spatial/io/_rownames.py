"""Rows of a file named as a planner finds them in it: ``fid 12`` in a GeoPackage (its feature id,
which QGIS shows), else ``row 12`` (counting from 1). A frame's own index counts from 0, so a
report row naming "building 11" sent the planner to the 12th feature, fid 12 in QGIS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def file_row_names(path, layer: str | None, n: int, *, wanted: tuple[str, ...] = ()) -> pd.Index:
    """The ``n`` rows read from ``path`` (its layer ``layer``; None: the only one, else the first of
    ``wanted`` there, as the reader picked it) as ``fid N`` for a GeoPackage whose layer holds
    ``n`` features, else ``row N`` (N from 1, in the order read).

    >>> list(file_row_names("buildings.csv", None, 2))
    ['row 1', 'row 2']
    """
    path = Path(path)
    if path.suffix.lower() == ".gpkg" and path.is_file():
        import pyogrio

        from spatial.io._gdal import data_layers

        try:
            if layer is None:
                names = data_layers(path)
                layer = names[0] if len(names) == 1 else next((w for w in wanted if w in names), None)
            fids = pyogrio.read_dataframe(path, layer=layer, columns=[], read_geometry=False, fid_as_index=True).index
        except Exception:  # (what the reader said of the file is said already)
            fids = ()
        if len(fids) == n:
            return pd.Index([f"fid {f}" for f in fids], dtype=object)
    return pd.Index([f"row {k + 1}" for k in range(n)], dtype=object)


def _building_id_names() -> tuple[str, ...]:
    """The buildings' own id columns looked for, in this order, when none is named (the role
    ``building_id`` of :data:`spatial.io.columns.ROLES`): a survey's 楼号, an OSM extract's osm_id
    (osmid as osmnx writes it, id as pyrosm does), the unit ids' names, a name. A column is taken
    when its values repeat nowhere (a Geofabrik extract's type ``code``, 1500 in every row, is no
    id); rows with no value in it are named by their place in the file alone."""
    from spatial.io.columns import ROLES

    contract, others = ROLES["building_id"]
    return (contract, *others)


def building_id_column(buildings, given: str | None = None, *, layer: str = "buildings",
                       option: str = "--building-id-col") -> str | None:
    """The buildings' id column: ``given`` (refused, naming the columns there are, when missing),
    else the first of the role ``building_id``'s names there (:func:`_building_id_names`; brackets,
    case and traditional characters aside) whose values repeat nowhere, else None.

    >>> import pandas as pd
    >>> building_id_column(pd.DataFrame({"code": [1500, 1500], "楼号（栋）": ["1栋", "2栋"]}))
    '楼号（栋）'
    """
    from spatial.core.errors import ColumnError
    from spatial.io.columns import bare_name

    geometry = getattr(buildings, "_geometry_column_name", None)
    columns = [c for c in buildings.columns if c != geometry]
    if given is not None:
        if given not in buildings.columns:
            raise ColumnError(f"'{layer}' has no column {given!r} (given as {option}); it has: "
                              f"{', '.join(map(str, columns))}; name the column holding the buildings' ids (楼号), "
                              f"or leave {option} out")
        return given
    keys: dict[str, object] = {}
    for c in columns:
        keys.setdefault(bare_name(c).replace("_", ""), c)
    for name in _building_id_names():
        col = keys.get(bare_name(name).replace("_", ""))
        if col is None:
            continue
        values = buildings[col]
        there = values[values.notna() & (values.astype(str).str.strip() != "")]
        if len(there) and not there.duplicated().any():
            return col
    return None


def building_names(buildings, path, layer: str | None, id_col: str | None, *, wanted: tuple[str, ...] = ()) -> pd.Index:
    """Each building as the report names it: ``楼号 12栋 (fid 40)`` by its id column ``id_col`` and
    its place in the file (:func:`file_row_names`), or that place alone (``fid 40``, ``row 40``)
    where it has no id or no id column is known; unique, whatever the ids.

    >>> import pandas as pd
    >>> list(building_names(pd.DataFrame({"楼号": ["12栋", None]}), "b.csv", None, "楼号"))
    ['楼号 12栋 (row 1)', 'row 2']
    """
    from spatial.core.checks import label_text

    rows = file_row_names(path, layer, len(buildings), wanted=wanted)
    if id_col is None:
        return rows
    out = []
    for value, row in zip(buildings[id_col].to_numpy(dtype=object), rows):
        blank = value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""
        out.append(row if blank else f"{id_col} {label_text(value)} ({row})")
    return pd.Index(out, dtype=object)
