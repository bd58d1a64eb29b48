"""New-station siting (新站选址): where new stations bring the most households within the band.

Owns :mod:`~spatial.siting.sites` (``site_stations``) and its private array core: the reduction and
greedy (``_cover``), the HiGHS models (``_exact``) and the branch and bound (``_branch``). May import
:mod:`spatial.coverage`, :mod:`spatial.network`, :mod:`spatial.io` and :mod:`spatial.core`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
