"""Reading and writing files: layers, station tables, encodings, shapefiles, Chinese coordinates, workbook.

Owns :mod:`~spatial.io.layers` (GeoPackage, GeoJSON, Shapefile, KML/KMZ, CSV and Excel in and out;
the tables' headers and geometry in ``_tables`` and ``_tablegeom``), :mod:`~spatial.io.kml` (KMZ for
phone map apps),
:mod:`~spatial.io.coords` (WGS-84 / GCJ-02 / BD-09), :mod:`~spatial.io.validate` (one check of the
input layers before any maths), :mod:`~spatial.io.columns` (columns under the names real files
give them), :mod:`~spatial.io.personal` (input columns that look personal: 姓名, 联系电话, 身份证号),
:mod:`~spatial.io.writers` and :mod:`~spatial.io.tables` (atomic layers and CSV),
:mod:`~spatial.io.workbook` (the Excel summary) and the private
encoding and shapefile plumbing. May import :mod:`spatial.core` only.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
