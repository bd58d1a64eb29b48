"""The roads grid borders follow, read from a network source with every road class kept: what
``spatial grids --roads NETWORK`` and ``spatial run`` without a ``roads`` input draw grids on.
May import :mod:`spatial.network.read`."""

from __future__ import annotations

from pathlib import Path

from spatial.core._gc import without_gc_pauses
from spatial.network.graph import WalkNetwork
from spatial.network.read import read_network

__all__ = ["read_roads", "read_network_and_roads"]


def read_roads(source, *, layer: str | None = None) -> WalkNetwork:
    """Read a network source as the roads grid borders follow: every highway class kept (trunk
    roads and motorways, the 干道 that are the borders grids want most; the walking filter's class
    exclusions are for walks), private lanes of gated estates too, and every component.

    ``spatial grids --roads NETWORK`` and ``spatial run`` without a ``roads`` input (its
    ``network`` input read again so) both draw grids on these roads, so the two give one plan
    from one file; walks use :func:`read_network`'s walking read, never these.

    Parameters
    ----------
    source : str, Path, networkx.Graph or geopandas.GeoDataFrame
        As :func:`read_network`: an OSM file, an osmnx ``.graphml``, a line layer or a graph.
    layer : str, optional
        Layer of a GeoPackage holding the lines.

    Returns
    -------
    WalkNetwork
        Its edges (:func:`spatial.network.graph.edges_frame`) carry ``highway``, by which
        arterials weigh as borders more than other streets.

    Examples
    --------
    >>> import spatial
    >>> roads = spatial.edges_frame(spatial.read_roads(spatial.demo_paths()["network"]))
    >>> walks = spatial.edges_frame(spatial.load_demo()["network"])
    >>> int(roads["highway"].str.contains("trunk").sum()), int(walks["highway"].str.contains("trunk").sum())
    (41, 0)
    """
    # (no water: no leg is walked to these roads; no report rows on what the filter dropped: nobody reads them)
    return read_network(source, layer=layer, exclude_highways=(), keep_private=True, keep="all",
                        water_barriers=False, rail_barriers=False, with_report=False)


@without_gc_pauses
def read_network_and_roads(source, *, layer: str | None = None, **walk_options) -> tuple[WalkNetwork, WalkNetwork]:
    """Read a network file once into both the walking network and the roads grid borders follow:
    ``(read_network(source, layer=layer, **walk_options), read_roads(source, layer=layer))``, value
    for value, the file parsed once (``spatial run`` without a ``roads`` input reads its network so).

    Parameters
    ----------
    source : str, Path, networkx.Graph or geopandas.GeoDataFrame
        As :func:`read_network`; a file is read once, a graph or frame given is used by both.
    layer : str, optional
        Layer of a GeoPackage holding the lines.
    **walk_options
        :func:`read_network`'s options for the walks (``keep_private``, ``water_barriers``, ...);
        the roads are read as :func:`read_roads` reads them whatever these say.

    Returns
    -------
    tuple of WalkNetwork
        The walking network and the roads.

    Examples
    --------
    >>> import spatial
    >>> from spatial.network.roads import read_network_and_roads
    >>> walks, roads = read_network_and_roads(spatial.demo_paths()["network"])
    >>> walks.n_edges < roads.n_edges, roads.n_edges == spatial.read_roads(spatial.demo_paths()["network"]).n_edges
    (True, True)
    """
    if isinstance(source, (str, Path)):
        from spatial.network._parse import parse_file

        source = parse_file(Path(source), layer=layer)
    return read_network(source, layer=layer, **walk_options), read_roads(source, layer=layer)
