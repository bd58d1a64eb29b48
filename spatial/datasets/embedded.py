"""The embedded demo data (Futian, Shenzhen): where it is, and loading it in one call."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spatial.core.errors import InputFileError

__all__ = ["demo_dir", "demo_paths", "load_demo"]

_FILES = {"project": "demo_project.toml", "network": "futian_walk.graphml", "layers": "demo.gpkg"}


def demo_dir(data_dir: str | Path | None = None) -> Path:
    """The folder holding the demo data: ``data_dir``, else the copy installed with the package
    (``spatial/datasets/demo_data`` in a wheel), else the repository's ``data/`` (a checkout).

    Raises
    ------
    InputFileError
        When no candidate folder holds ``demo_project.toml``.
    """
    if data_dir is not None:
        candidates = [Path(data_dir)]
    else:
        here = Path(__file__).resolve().parent
        candidates = [here / "demo_data", here.parents[1] / "data"]
    for folder in candidates:
        if (folder / _FILES["project"]).exists():
            return folder.resolve()
    if data_dir is not None:
        raise InputFileError(
            f"no demo data ({_FILES['project']}) in {data_dir}; pass the folder that holds "
            f"{_FILES['project']}, {_FILES['layers']} and {_FILES['network']}, or leave it out to use "
            "the demo data installed with spatial"
        )
    raise InputFileError(
        f"no demo data ({_FILES['project']}) in {', '.join(str(c) for c in candidates)}; this "
        "installation of spatial lacks it: reinstall spatial from its wheel, or pass the folder that "
        f"holds {_FILES['project']} (--data FOLDER, load_demo(FOLDER))"
    )


def demo_paths(data_dir: str | Path | None = None) -> dict[str, Path]:
    """Paths of the demo files: ``project`` (TOML), ``network`` (GraphML), ``layers`` (GeoPackage).

    Examples
    --------
    >>> import spatial
    >>> sorted(spatial.demo_paths())
    ['layers', 'network', 'project']
    """
    folder = demo_dir(data_dir)
    return {key: folder / name for key, name in _FILES.items()}


def load_demo(data_dir: str | Path | None = None, *, network: bool = True) -> dict:
    """Load the demo layers: ``communities``, ``units``, ``stations`` (synthetic) and ``network``.

    The network is real OpenStreetMap data (© OpenStreetMap contributors, ODbL); communities,
    units and stations are generated for the demo (see ``data/README.md``).

    Parameters
    ----------
    data_dir
        Folder with the demo data (default: found automatically).
    network
        Also read the walking network (a :class:`~spatial.network.graph.WalkNetwork`).

    Returns
    -------
    dict
        GeoDataFrames in EPSG:4326 under ``communities``, ``units``, ``stations``; and ``network``.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo(network=False)
    >>> len(demo["communities"]), int(demo["units"]["households"].sum()) > 0
    (12, True)
    """
    paths = demo_paths(data_dir)
    layers, net = _read_demo(str(paths["layers"]), str(paths["network"]) if network else None)
    out = {name: gdf.copy() for name, gdf in layers.items()}  # callers may change their copies
    if network:
        out["network"] = net  # a frozen WalkNetwork, safe to share
    return out


@lru_cache(maxsize=2)
def _read_demo(layers_path: str, network_path: str | None):
    from spatial.io.layers import read_layer

    layers = {name: read_layer(layers_path, layer=name, name=name)
              for name in ("communities", "units", "stations")}
    if network_path is None:
        return layers, None
    from spatial.network.read import read_network

    return layers, read_network(network_path)
