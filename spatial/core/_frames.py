"""Results typed alike whether they hold rows or not, a Series told from a column of a frame, and
lines however the caller holds them."""

from __future__ import annotations

from typing import Mapping

import geopandas as gpd
import pandas as pd

__all__ = ["TEXT", "lines_frame", "on_rows_of", "typed_empty"]

#: The dtype pandas gives a column of text: ``str`` in pandas 3, ``object`` before (where a cast of
#: None to ``"str"`` would write the word ``None``).
TEXT = pd.Series(["text"]).dtype


def typed_empty(frame: pd.DataFrame, dtypes: Mapping[str, object]) -> pd.DataFrame:
    """``frame`` with the columns named in ``dtypes`` cast to them when it has no rows, else as it
    is: an empty result's text columns come out as objects (its notes as floats) where a full
    one's are text, and an analyst's ``pd.concat`` of the two would turn the full one's text into
    objects.

    Examples
    --------
    >>> empty = pd.DataFrame({"gap_id": pd.Series([], dtype=object), "rank": pd.Series([], dtype="int64")})
    >>> typed_empty(empty, {"gap_id": TEXT, "other": TEXT}).dtypes["gap_id"] == pd.Series(["G1"]).dtype
    True
    """
    if len(frame):
        return frame
    return frame.astype({c: d for c, d in dtypes.items() if c in frame.columns})


def on_rows_of(values, df: pd.DataFrame) -> bool:
    """Whether ``values`` is a Series on ``df``'s own index (same labels in the same order, same
    index names): a column of ``df`` (``units["block"]``, ``read_plan(path, units)``), to be read
    row by row, not as a mapping keyed by unit id. A Series set on a column of ids
    (``units.set_index("unit_id")["grid_id"]``) has that column's name on its index: keyed by id.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_id": [1, 2]})
    >>> on_rows_of(pd.Series(["A", "B"]), units), on_rows_of(pd.Series(["A", "B"], index=[1, 2]), units)
    (True, False)
    """
    return (isinstance(values, pd.Series) and isinstance(df, pd.DataFrame) and len(values) == len(df)
            and list(values.index.names) == list(df.index.names) and values.index.equals(df.index))


def lines_frame(lines, *, shapes: bool = False):
    """Lines as a GeoDataFrame, however the caller holds them: a walking network
    (:class:`spatial.network.graph.WalkNetwork`) or an osmnx graph as its edges, with ``shapes``
    a GeoSeries (``roads.geometry``) as a layer of its shapes; anything else as given, for the
    caller's own checks to name. Every function taking ``roads`` or ``network_edges`` reads them
    so, as :func:`spatial.grids.partition.partition_grids` always has (the network's module is
    not loaded for it: a map of files loads no walking network).

    Examples
    --------
    >>> import spatial
    >>> network = spatial.load_demo()["network"]
    >>> len(lines_frame(network)) == len(spatial.edges_frame(network)), lines_frame(network).crs.to_epsg()
    (True, 32650)
    """
    if callable(getattr(lines, "edges_layer", None)):  # a WalkNetwork
        return lines.edges_layer()
    if shapes and isinstance(lines, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=lines)
    if not isinstance(lines, pd.DataFrame) and hasattr(lines, "graph") and hasattr(lines, "edges"):  # osmnx's
        import osmnx as ox

        return ox.graph_to_gdfs(lines, nodes=False)
    return lines
