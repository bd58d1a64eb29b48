"""Modules of a package loaded on first use as its attributes.

``import spatial`` loads none of the packages by job (nor geopandas); docs/ and the docstrings
write calls such as ``spatial.network.elevation.edge_times(network, "dem.tif")`` or
``spatial.grids.codes.parse_grid_code(code)``, which a fresh session could not follow: the
attribute existed only once some other call had happened to import the module. Each package's
``__init__`` hands its module-level ``__getattr__`` to :func:`submodule`.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def submodule(package: str, name: str) -> ModuleType:
    """The module ``package.name``, imported now (Python then keeps it as the attribute).

    Raises
    ------
    AttributeError
        ``package`` has no module ``name`` (as for any attribute it lacks).

    Examples
    --------
    >>> submodule("spatial.grids", "codes").parse_grid_code("12345644030400100202")["grid"]
    '02'
    >>> submodule("spatial.grids", "nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'spatial.grids' has no attribute 'nothing'
    """
    if not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}") is not None:
        return importlib.import_module(f"{package}.{name}")
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
