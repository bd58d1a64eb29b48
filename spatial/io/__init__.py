"""Reading and writing files: layers, station tables, encodings, shapefiles, Chinese coordinates, workbook.

Owns :mod:`~spatial.io.layers` (GeoPackage, GeoJSON, Shapefile, CSV and Excel in and out),
:mod:`~spatial.io.coords` (WGS-84 / GCJ-02 / BD-09), :mod:`~spatial.io.validate` (one check of the
input layers before any maths), :mod:`~spatial.io.columns` (columns under the names real files
give them), :mod:`~spatial.io.writers` and :mod:`~spatial.io.tables` (atomic layers and CSV),
:mod:`~spatial.io.workbook` (the Excel summary) and the private
encoding and shapefile plumbing. May import :mod:`spatial.core` only.
"""
