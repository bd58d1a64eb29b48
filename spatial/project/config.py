"""Project files: one TOML naming the inputs, the grid band, the coverage bands, siting and outputs.

A project file lets a planner run the same job again every quarter and trace every result back to
its inputs. Paths are relative to the project file. Example (``data/demo_project.toml``)::

    [project]
    name = "福田区示范片区"
    output = "../maps"

    [inputs]
    network = "futian_walk.graphml"
    communities = { path = "demo.gpkg", layer = "communities" }
    units = { path = "demo.gpkg", layer = "units" }
    stations = { path = "demo.gpkg", layer = "stations" }

    [grids]
    min_households = 300
    max_households = 500

    [coverage]
    minutes = [5, 10, 15]
    speed_kmh = 4.0

    [siting]
    k = 3
    band = "15min"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial.core.errors import InputFileError, SpatialError

__all__ = ["InputSpec", "Project", "load_project"]

_SECTIONS = {"project", "inputs", "grids", "coverage", "siting", "outputs", "distributed"}
_INPUT_KEYS = {"path", "layer", "coord_sys", "coord_sys_col", "lon_col", "lat_col", "sheet",
               "encoding", "id_col", "households_col", "population_col", "name_col"}
_LAYERS = {"network", "communities", "units", "stations", "candidates", "roads", "plan", "buildings"}


@dataclass(frozen=True)
class InputSpec:
    """One input file and how to read it."""

    path: Path
    layer: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Project:
    """A parsed project file; every path is absolute."""

    source: Path
    name: str
    output: Path
    inputs: dict[str, InputSpec]
    grids: dict[str, Any]
    coverage: dict[str, Any]
    siting: dict[str, Any]
    outputs: dict[str, Any]
    distributed: dict[str, Any]


_DEFAULT_GRIDS = {"min_households": 300, "max_households": 500, "code_layout": "cjt349", "enabled": True}
_DEFAULT_COVERAGE = {"minutes": [5, 10, 15], "meters": None, "speed_kmh": 4.0, "max_snap_m": 100.0,
                     "cell_m": 10.0, "gap_band": None, "max_walk_m": None,
                     "enabled": True, "dem": None}
_DEFAULT_SITING = {"k": None, "target": None, "band": None, "candidates": None, "min_floor_area_m2": None,
                   "enabled": True}
_DEFAULT_DISTRIBUTED = {"scheduler": None, "n_workers": 2, "memory_limit": "2GiB", "by": None}
_DEFAULT_OUTPUTS = {"maps": True, "workbook": True, "png": True, "shapefile": False, "lang": "zh"}


def load_project(path: str | Path) -> Project:
    """Read and check a project file.

    Parameters
    ----------
    path
        A ``.toml`` file; see the module docstring for its sections.

    Returns
    -------
    Project
        The parsed project with absolute paths and defaults filled in.

    Raises
    ------
    InputFileError
        When the file or an input it names does not exist, or the TOML does not parse.
    SpatialError
        When a section, key or value is not understood (the message names it).

    Examples
    --------
    >>> import spatial
    >>> project = spatial.load_project(spatial.demo_paths()["project"])
    >>> sorted(project.inputs), project.grids["max_households"], project.siting["k"]
    (['communities', 'network', 'stations', 'units'], 500, 3)
    >>> project.inputs["network"].path.is_absolute()
    True
    """
    source = Path(path).resolve()
    if not source.exists():
        raise InputFileError(f"project file {source} does not exist")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"project file {source} is not valid TOML: {exc}") from exc
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise SpatialError(
            f"project file {source}: unknown section(s) {sorted(unknown)}; "
            f"the sections are {sorted(_SECTIONS)}"
        )
    base = source.parent
    meta = raw.get("project", {})
    inputs = {name: _input_spec(name, value, base, source) for name, value in raw.get("inputs", {}).items()}
    for required in ("communities", "units"):
        if required not in inputs:
            raise SpatialError(f"project file {source}: [inputs] needs '{required}'")
    return Project(
        source=source,
        name=str(meta.get("name", source.stem)),
        output=(base / meta.get("output", "out")).resolve(),
        inputs=inputs,
        grids=_merged("grids", _DEFAULT_GRIDS, raw, source),
        coverage=_dem_path(_merged("coverage", _DEFAULT_COVERAGE, raw, source), base, source),
        siting=_merged("siting", _DEFAULT_SITING, raw, source),
        outputs=_merged("outputs", _DEFAULT_OUTPUTS, raw, source),
        distributed=_merged("distributed", _DEFAULT_DISTRIBUTED, raw, source),
    )


def _dem_path(coverage: dict, base: Path, source: Path) -> dict:
    """``[coverage] dem``: a GeoTIFF (or .graphml with node elevations) relative to the project file."""
    if coverage.get("dem") is None:
        return coverage
    path = (base / str(coverage["dem"])).resolve()
    if not path.exists():
        raise InputFileError(f"project file {source}: [coverage] dem file {path} does not exist")
    return {**coverage, "dem": path}


def _merged(section: str, defaults: dict, raw: dict, source: Path) -> dict:
    given = raw.get(section, {})
    unknown = set(given) - set(defaults)
    if unknown:
        raise SpatialError(
            f"project file {source}: [{section}] has unknown key(s) {sorted(unknown)}; "
            f"known keys: {sorted(defaults)}"
        )
    return {**defaults, **given}


def _input_spec(name: str, value: Any, base: Path, source: Path) -> InputSpec:
    if name not in _LAYERS:
        raise SpatialError(f"project file {source}: unknown input '{name}'; known inputs: {sorted(_LAYERS)}")
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or "path" not in value:
        raise SpatialError(f"project file {source}: input '{name}' needs a path, e.g. {name} = \"file.gpkg\"")
    unknown = set(value) - _INPUT_KEYS
    if unknown:
        raise SpatialError(
            f"project file {source}: input '{name}' has unknown key(s) {sorted(unknown)}; "
            f"known keys: {sorted(_INPUT_KEYS)}"
        )
    path = (base / value["path"]).resolve()
    if not path.exists():
        raise InputFileError(f"project file {source}: input '{name}' file {path} does not exist")
    options = {k: v for k, v in value.items() if k not in ("path", "layer")}
    return InputSpec(path=path, layer=value.get("layer"), options=options)
