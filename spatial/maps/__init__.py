"""Maps that read results and never compute them: interactive offline HTML, the static PNG, screenshots.

Owns :mod:`~spatial.maps.interactive` (``grid_map``, ``coverage_map``, ``overview_map``,
``save_map``), :mod:`~spatial.maps.from_files` (maps of written GeoPackages),
:mod:`~spatial.maps.static` (``overview_png``), :mod:`~spatial.maps.editor` (the offline grid editor page),
:mod:`~spatial.maps.kmz` (the results as a KMZ for 奥维 / Google Earth on a phone), :mod:`~spatial.maps.screenshot` (headless
Chromium) and the private styling, layer data, offline inlining and vendored assets
(``_assets``). May import :mod:`spatial.siting`, :mod:`spatial.coverage`, :mod:`spatial.grids`,
:mod:`spatial.datasets`, :mod:`spatial.network`, :mod:`spatial.io` and :mod:`spatial.core`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
