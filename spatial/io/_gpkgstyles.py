"""Layer styles stored in a GeoPackage as QGIS stores them: the ``layer_styles`` table.

QGIS opens a GeoPackage layer in its default style from this table (one row a style, the QML in
``styleQML``); ArcGIS and other readers leave it be. The table is registered in
``gpkg_contents`` as a table of attributes, as QGIS registers it: QGIS finds it through GDAL,
which opens no table left out of ``gpkg_contents`` (so GDAL lists it among the layers, without
geometry, as it lists the report).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Mapping, Sequence

__all__ = ["write_styles"]

_TABLE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def write_styles(gpkg: Path, styles: Mapping[str, str], written: Sequence[str] = ()) -> None:
    """Store ``styles`` (layer name -> QML) in ``gpkg`` as each layer's default QGIS style,
    replacing the layer's earlier default; the default of a layer in ``written`` (written anew)
    that is given no style is removed: it may colour by a column the new layer lacks, which QGIS
    draws as nothing. Layers without geometry are given no style."""
    con = sqlite3.connect(gpkg)
    try:
        with con:
            have = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'").fetchone()
            if have:
                for name in set(written) - set(styles):
                    con.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND useAsDefault", (name,))
            if not styles:
                return
            geometry = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
            con.execute(_TABLE)
            con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                        "srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', 0)")
            for name, qml in styles.items():
                if name not in geometry:
                    continue
                con.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND useAsDefault", (name,))
                con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) "
                            "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '')",
                            (name, geometry[name], name, qml, "as the web maps draw it (spatial)"))
    finally:
        con.close()
