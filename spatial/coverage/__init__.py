"""Walking coverage (15分钟服务圈): bands, walks from homes to stations, service areas and gaps.

Owns :mod:`~spatial.coverage.bands` (5/10/15-minute or 300/500/1,000 m bands),
:mod:`~spatial.coverage.walks` (``walking_coverage``: each home's walk to its nearest station),
:mod:`~spatial.coverage.service_areas` (isochrones), :mod:`~spatial.coverage.gaps` (uncovered
homes clustered into gaps by cause, service gaps ranked) and :mod:`~spatial.coverage.load`
(station catchments, floor area per 100 households, 2SFCA). May import :mod:`spatial.network`, :mod:`spatial.io` and
:mod:`spatial.core`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
