"""Community management grids (网格): partition, redraw, evaluate, merge, codes, staffing, units.

Owns :mod:`~spatial.grids.partition` (``partition_grids``), :mod:`~spatial.grids.redraw`,
:mod:`~spatial.grids.evaluate`, :mod:`~spatial.grids.merge` (多网合一),
:mod:`~spatial.grids.codes` (grid codes), :mod:`~spatial.grids.workforce` (staff and 十联户) and
:mod:`~spatial.grids.tessellation` (units from buildings), :mod:`~spatial.grids.plan` (``read_plan``, ``plan_from_polygons``), with the private array engine
(``_engine``, its ``_objective``, ``_search``, ``_swap``, ``_recombine``, ``_rebalance``,
``_anneal`` and ``_bisect``),
adjacency, preparation and the units' polygons (``_units``: clipped polygons, point cells), the input
bookkeeping of ``partition_grids`` and ``redraw_grids`` (``_inputs``: columns named on purpose, estates,
labels keyed by unit id, grids asked per community) and the plan being redrawn read per unit
(``_plan_inputs``: its grid labels, locks and each unit's plan grid in its community). May import
:mod:`spatial.network` (roads only), :mod:`spatial.io` and :mod:`spatial.core`.
"""

from spatial.core._lazy import submodule


def __getattr__(name: str):  # its modules load on first use, after a bare import spatial
    return submodule(__name__, name)
