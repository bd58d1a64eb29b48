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

import difflib
import logging
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial.core.errors import InputFileError, SpatialError
from spatial.io._encoding import utf16_without_bom
from spatial.io._faults import foreign_type, misnamed, no_access
from spatial.io.coords import normalize_coord_sys

#: network files (``[inputs] network``; ``[inputs] roads`` read as ``spatial grids --roads`` reads them)
NETWORK_SUFFIXES = (".graphml", ".osm", ".pbf", ".osm.bz2", ".osm.gz")

__all__ = ["InputSpec", "Project", "load_project"]

logger = logging.getLogger(__name__)

_SECTIONS = {"project", "inputs", "grids", "coverage", "siting", "outputs", "distributed"}
_INPUT_KEYS = {"path", "layer", "crs", "coord_sys", "coord_sys_col", "lon_col", "lat_col", "sheet",
               "encoding", "id_col", "households_col", "population_col", "name_col", "keep_private", "grid_id_col",
               "floors_col", "street_col", "water_barriers", "rail_barriers", "buildings_col", "floor_area_col"}
_LAYERS = {"network", "communities", "units", "stations", "candidates", "roads", "plan", "buildings", "gates",
           "barriers"}


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
    #: the sections the file itself gives (a section left out runs on its defaults)
    sections: frozenset[str] = frozenset()


_DEFAULT_GRIDS = {"min_households": 300, "max_households": 500, "code_layout": "cjt349", "object_type": "000000",
                  "enabled": True,
                  "blocks": None, "balance": "band", "street_gap_m": 30.0, "restarts": None,
                  "max_deviation_pct": None, "gated_col": None, "lock": None, "building_id_col": None}
_DEFAULT_COVERAGE = {"minutes": [5, 10, 15], "meters": None, "speed_kmh": 4.0, "max_snap_m": 100.0,
                     "cell_m": None, "gap_band": None, "max_walk_m": None,  # cell_m: as the library, by band
                     "enabled": True, "dem": None,
                     # homes off the mapped network, and station load (spatial.coverage.load)
                     "detour_factor": 1.25, "max_off_network_m": 300.0,
                     "station_area_col": "floor_area_m2", "min_m2_per_100hh": 30.0, "fca_decay_sigma_m": None}
_DEFAULT_SITING = {"k": None, "target": None, "band": None, "candidates": None, "min_floor_area_m2": None,
                   "candidate_spacing_m": None, "capacity_households": None, "time_limit_s": None, "enabled": True}
_DEFAULT_DISTRIBUTED = {"scheduler": None, "n_workers": 2, "memory_limit": "2GiB", "by": None,
                        "connect_timeout_s": 10.0}
_DEFAULT_OUTPUTS = {"maps": True, "workbook": True, "png": True, "shapefile": False, "kml": False, "lang": "zh",
                    "credits": []}


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
    if source.is_dir():
        raise InputFileError(f"project file {source} is a folder; give the .toml file")
    raw = _read_toml(source)
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise SpatialError(
            f"project file {source}: unknown section(s) {sorted(unknown)}{_near(unknown, _SECTIONS)}; "
            f"the sections are {sorted(_SECTIONS)}"
        )
    for section, value in raw.items():
        if not isinstance(value, dict):
            raise SpatialError(f"project file {source}: [{section}] must be a table (a [{section}] header "
                               f"with keys below it), got {_describe(value)}")
    base = source.parent
    meta = _merged("project", {"name": source.stem, "output": "out", "description": ""}, raw, source)
    inputs = {name: _input_spec(name, value, base, source) for name, value in raw.get("inputs", {}).items()}
    if "communities" not in inputs:
        raise SpatialError(f"project file {source}: [inputs] needs 'communities'")
    if ("units" in inputs) == ("buildings" in inputs):
        raise SpatialError(f"project file {source}: [inputs] needs 'units'" + (
            " or 'buildings' (units are then built from the buildings)" if "units" not in inputs else
            " or 'buildings', not both: units are built from buildings (drop one)"))
    grids = _merged("grids", _DEFAULT_GRIDS, raw, source)
    if grids["min_households"] > grids["max_households"]:
        raise SpatialError(f"project file {source}: [grids] min_households {grids['min_households']:g} is above "
                           f"max_households {grids['max_households']:g}")
    if "object_type" in raw.get("grids", {}) and grids["code_layout"] != "cjt349":  # (as --object-type)
        raise SpatialError(f"project file {source}: [grids] object_type is the front of CJ/T 349's 20-digit codes, "
                           f"and code_layout \"{grids['code_layout']}\" codes have none; drop object_type, or give "
                           "code_layout = \"cjt349\"")
    if "plan" in inputs:  # the plan is redrawn, moving as few units as it can: no new drawing
        if not grids.get("enabled", True):
            raise SpatialError(f"project file {source}: [inputs] plan is redrawn by the grid step, which [grids] "
                               "enabled = false turns off; drop one of them")
        for key in ("restarts", "balance"):  # (balance = "band", the demo's line, is what a redraw keeps to)
            if key in raw.get("grids", {}) and not (key == "balance" and raw["grids"][key] == "band"):
                raise SpatialError(f"project file {source}: [grids] {key} is for drawing new grids; the plan in "
                                   f"[inputs] plan is redrawn, moving as few units as it can (drop {key}; "
                                   "max_deviation_pct also brings its grids near their community's mean)")
    if grids["lock"] is not None:  # (as --lock needs --existing PLAN)
        if "plan" not in inputs:
            raise SpatialError(f"project file {source}: [grids] lock keeps units in their grids of the plan to "
                               "redraw, and [inputs] has no plan; add [inputs] plan (unit_id, grid_id: the plan "
                               "to redraw), or drop lock")
        grids = {**grids, "lock": _lock_spec(grids["lock"], base, source)}
    for key in ("restarts", "max_deviation_pct"):
        if grids[key] is not None and grids["balance"] != "equal" and "plan" not in inputs:
            raise SpatialError(f"project file {source}: [grids] {key} is for equal grids: add balance = \"equal\" "
                               f"or drop {key}")
    coverage = _merged("coverage", _DEFAULT_COVERAGE, raw, source)
    if "minutes" in raw.get("coverage", {}) and "meters" in raw.get("coverage", {}):
        raise SpatialError(f"project file {source}: [coverage] gives both minutes and meters; keep one "
                           "(minutes: bands of walking time; meters: bands of walking distance)")
    if not coverage.get("minutes") and not coverage.get("meters"):
        raise SpatialError(f"project file {source}: [coverage] needs minutes (e.g. [5, 10, 15]) or meters")
    from spatial.coverage.bands import make_bands

    try:
        bands = make_bands(minutes=None if coverage.get("meters") else coverage["minutes"],
                           meters=coverage.get("meters"), speed_kmh=coverage["speed_kmh"])
    except ValueError as exc:
        key = "meters" if coverage.get("meters") else "minutes"
        raise SpatialError(f"project file {source}: [coverage] {key}: {exc}") from exc
    if coverage["max_off_network_m"] < coverage["max_snap_m"]:
        raise SpatialError(f"project file {source}: [coverage] max_off_network_m {coverage['max_off_network_m']:g} "
                           f"is below max_snap_m {coverage['max_snap_m']:g}; give at least max_snap_m (equal "
                           "turns estimated walks off)")
    from spatial.coverage.walks import check_max_walk

    check_max_walk(coverage["max_walk_m"], bands, f"project file {source}: [coverage] max_walk_m")
    siting = _merged("siting", _DEFAULT_SITING, raw, source)
    labels = [b.label for b in bands]
    for where, key, value in (("siting", "band", siting["band"]), ("coverage", "gap_band", coverage["gap_band"])):
        if value is not None and value not in labels:  # found now, not after the walks are searched
            raise SpatialError(f"project file {source}: [{where}] {key} {value!r} is not one of the [coverage] "
                               f"bands {labels}; give one of them (or leave {key} out: the largest band)")
    if siting["candidates"] is not None:  # read nowhere: sites would be put on network nodes without a word
        raise SpatialError(f"project file {source}: [siting] candidates is not read there; move it to [inputs] "
                           "(candidates = \"rooms.gpkg\" or { path = \"rooms.gpkg\", layer = \"rooms\" }), "
                           "as the other layers are given")
    if siting["min_floor_area_m2"] is not None and "candidates" not in inputs:  # found now, not after the walks
        raise SpatialError(f"project file {source}: [siting] min_floor_area_m2 filters candidate rooms by their "
                           "floor area, but [inputs] has no candidates (sites would be put on network nodes, "
                           "which have none); add candidates = { path = \"rooms.csv\" } to [inputs], or drop "
                           "min_floor_area_m2")
    if siting["candidate_spacing_m"] is not None and "candidates" in inputs:  # rooms are sited as listed
        raise SpatialError(f"project file {source}: [siting] candidate_spacing_m thins the network nodes sited "
                           "when [inputs] has no candidates; the rooms of [inputs] candidates are each sited as "
                           "listed: drop candidate_spacing_m")
    if siting["k"] is not None and siting["target"] is not None:
        raise SpatialError(f"project file {source}: [siting] gives both k and target; keep one (k: the number "
                           "of sites to add; target: the share of households to reach)")
    if "siting" in raw and siting["enabled"]:  # else the siting step would be skipped without a word
        if not coverage["enabled"]:
            raise SpatialError(f"project file {source}: [siting] scores sites by the coverage step, which "
                               "[coverage] enabled = false turns off; drop one of them")
        if siting["k"] is None and siting["target"] is None:
            raise SpatialError(f"project file {source}: [siting] needs k (the number of sites to add) or target "
                               "(the share of households to reach, e.g. 0.9); give one, or remove [siting]")
    return Project(
        source=source,
        name=meta["name"],
        output=(base / meta["output"]).resolve(),
        inputs=inputs,
        grids=grids,
        coverage=_dem_path(coverage, base, source),
        siting=siting,
        outputs=_merged("outputs", _DEFAULT_OUTPUTS, raw, source),
        distributed=_merged("distributed", _DEFAULT_DISTRIBUTED, raw, source),
        sections=frozenset(raw),
    )


def _dem_path(coverage: dict, base: Path, source: Path) -> dict:
    """``[coverage] dem``: a GeoTIFF (or .graphml with node elevations) relative to the project file."""
    if coverage.get("dem") is None:
        return coverage
    path = (base / str(coverage["dem"])).resolve()
    if not path.exists():
        raise InputFileError(f"project file {source}: [coverage] dem file {path} does not exist")
    if no_access(path):
        raise InputFileError(f"project file {source}: [coverage] dem file {path}: {no_access(path)}")
    return {**coverage, "dem": path}


def _lock_spec(value, base: Path, source: Path):
    """``[grids] lock``: a list of grid ids (as text), or the lock list's file (``{"path": ...,
    "layer": ...}``, relative to the project file) as ``--lock FILE`` takes it, which must exist."""
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    spec = {"path": value, "layer": None} if isinstance(value, str) else {"layer": None, **value}
    path = (base / str(spec["path"])).resolve()
    if not path.exists():
        raise InputFileError(f"project file {source}: [grids] lock file {path} does not exist")
    if path.is_dir() or no_access(path):
        why = no_access(path) or "it is a folder; give the lock list's file (a .csv, .xlsx or .gpkg)"
        raise InputFileError(f"project file {source}: [grids] lock {path}: {why}")
    return {"path": path, "layer": spec["layer"]}


def _lock_ok(v) -> bool:
    """A lock list's file (a path, or ``{ path = ..., layer = ... }``) or a list of grid ids."""
    if isinstance(v, str):
        return v.strip() != ""
    if isinstance(v, list):
        return len(v) > 0 and all((isinstance(x, str) and x.strip()) or (isinstance(x, int) and not isinstance(x, bool))
                                  for x in v)
    return (isinstance(v, dict) and isinstance(v.get("path"), str) and v["path"].strip() != ""
            and set(v) <= {"path", "layer"} and isinstance(v.get("layer", ""), str))


def _read_toml(source: Path) -> dict:
    """The parsed TOML, or one line saying why it is not a readable UTF-8 TOML file."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read project file {source}: {exc.strerror or exc}") from exc
    if not data.strip():
        raise InputFileError(f"project file {source} is empty; start from data/demo_project.toml")
    unicode = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else utf16_without_bom(data)
    if unicode:  # Notepad's "Unicode": TOML is UTF-8, but the text is plain
        logger.warning("project file %s is UTF-16 (Notepad's 'Unicode'); read so: save it as UTF-8", source)
        data = data.decode(unicode).encode("utf-8")
    if b"\x00" in data[:8192]:
        raise InputFileError(f"project file {source} is not a text file: "
                             f"{misnamed(source) or 'it holds binary data'}; give the .toml project file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gb18030")
            hint = "it looks like GBK: save it as UTF-8"
        except UnicodeDecodeError:
            hint = "save it as UTF-8 text"
        raise InputFileError(f"project file {source} is not UTF-8 text (byte {exc.start}); {hint}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # a Windows path in double quotes ("D:\数据\units.gpkg"): each \ starts an escape in TOML
        hint = ("; write a Windows path with / (\"D:/数据/units.gpkg\") or in single quotes ('D:\\数据\\units.gpkg')"
                if "escape" in str(exc).lower() or "'\\'" in str(exc) else "")
        raise InputFileError(f"project file {source} is not valid TOML: {exc}{hint}") from exc


def _near(unknown, known) -> str:
    """``" (did you mean 'min_households'?)"`` for the unknown names a known one is close to (a
    misspelling), naming each; ``""`` when none is."""
    said = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(str(name), sorted(known), n=1, cutoff=0.6)
        if close:
            said.append(f"'{close[0]}' for '{name}'" if len(unknown) > 1 else f"'{close[0]}'")
    return f" (did you mean {', '.join(said)}?)" if said else ""


def _merged(section: str, defaults: dict, raw: dict, source: Path) -> dict:
    given = raw.get(section, {})
    unknown = set(given) - set(defaults)
    if unknown:
        raise SpatialError(
            f"project file {source}: [{section}] has unknown key(s) {sorted(unknown)}{_near(unknown, defaults)}; "
            f"known keys: {sorted(defaults)}"
        )
    for key, value in given.items():
        _check_value(f"[{section}]", key, value, defaults[key], source, _RULES)
    return {**defaults, **given}


#: Input keys that only one input reads.
_ONE_INPUT_KEYS = {"keep_private": "network", "water_barriers": "network", "rail_barriers": "network",
                   "floors_col": "buildings", "grid_id_col": "plan",
                   "street_col": "communities", "floor_area_col": "candidates"}


def _input_spec(name: str, value: Any, base: Path, source: Path) -> InputSpec:
    if name not in _LAYERS:
        raise SpatialError(f"project file {source}: unknown input '{name}'{_near([name], _LAYERS)}; "
                           f"known inputs: {sorted(_LAYERS)}")
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict) or "path" not in value:
        raise SpatialError(f"project file {source}: input '{name}' needs a path, e.g. {name} = \"file.gpkg\"")
    unknown = set(value) - _INPUT_KEYS
    if unknown:
        raise SpatialError(
            f"project file {source}: input '{name}' has unknown key(s) {sorted(unknown)}"
            f"{_near(unknown, _INPUT_KEYS)}; known keys: {sorted(_INPUT_KEYS)}"
        )
    if name == "stations" and "floor_area_col" in value:  # the stations' own is a [coverage] key
        raise SpatialError(f"project file {source}: input 'stations' has floor_area_col; the stations' floor "
                           "area column is named in [coverage] station_area_col = \"...\" (found by itself under "
                           "建筑面积, 面积 ...); floor_area_col is the candidate rooms' (candidates = { ... })")
    for key, only in _ONE_INPUT_KEYS.items():  # keys one input reads: elsewhere they would be ignored
        if key in value and name != only:
            raise SpatialError(f"project file {source}: input '{name}' has {key}, which only the {only} input "
                               f"takes; move it to {only} = {{ path = ..., {key} = ... }}")
    if "crs" in value and name == "network":  # read_network's crs= is the CRS to measure in, not the file's
        raise SpatialError(f"project file {source}: input 'network' has crs, which is for a layer or table whose "
                           "file declares none (a shapefile without .prj, a CSV of metres); give the network "
                           "file its CRS (ogr2ogr -a_srs EPSG:<code>)")
    for flag in ("keep_private", "water_barriers", "rail_barriers"):
        if not isinstance(value.get(flag, False), bool):
            raise SpatialError(f"project file {source}: input 'network' {flag} must be true or false, "
                               f"got {value[flag]!r}")
    for key, v in value.items():
        if key in ("keep_private", "water_barriers", "rail_barriers"):
            continue
        _check_value(f"[inputs] {name}", key, v, "", source, _INPUT_RULES)
    path = (base / value["path"]).resolve()
    if not path.exists():
        raise InputFileError(f"project file {source}: input '{name}' file {path} does not exist")
    if path.is_dir() or no_access(path):  # before any layer is read, as a missing file is
        why = no_access(path) or "it is a folder; give a file in it (a shapefile's .shp, a .gpkg, a .csv ...)"
        raise InputFileError(f"project file {source}: input '{name}' {path}: {why}")
    readable = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".kml", ".kmz", ".csv", ".txt", ".tsv", ".xlsx", ".xlsm",
                ".xls", ".ods")
    if name == "roads":  # or a network file, read as spatial grids --roads reads it
        readable += NETWORK_SUFFIXES
    if name != "network" and not path.name.lower().endswith(readable):  # before any input is read
        raise InputFileError(f"project file {source}: input '{name}' {path}{foreign_type(path, readable)}")
    options = {k: v for k, v in value.items() if k not in ("path", "layer")}
    return InputSpec(path=path, layer=value.get("layer"), options=options)

# ----------------------------------------------------------------------------------- the schema
# Each key's rule: the expected kind (said in messages) and a check. Keys added to the defaults
# without a rule are checked against their default's type.

def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _positive(v) -> bool:
    return _num(v) and v > 0


def _non_negative(v) -> bool:
    return _num(v) and v >= 0


def _restarts_ok(v) -> bool:
    from spatial.grids._engine import RESTARTS_LIMIT

    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= RESTARTS_LIMIT


def _positive_list(v) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(_positive(x) for x in v)


def _band(v) -> bool:
    return isinstance(v, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*(min|m)\s*", v) is not None


def _crs_ok(v) -> bool:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        CRS.from_user_input(v)
    except ProjCRSError:
        return False
    return isinstance(v, str)


def _coord_sys(v) -> bool:
    try:
        normalize_coord_sys(v)
    except ValueError:
        return False
    return isinstance(v, str)


def _object_type_text(value: str) -> str:
    """CJ/T 349's object type as the grid codes read it (４４０３００ typed in full width is 440300)."""
    from spatial.grids.codes import object_type_text

    return object_type_text(value)


_RULES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "enabled": ("true or false", lambda v: isinstance(v, bool)),
    "min_households": ("a number >= 0", _non_negative),
    "max_households": ("a number > 0", _positive),
    "code_layout": ("one of \"cjt349\", \"db11\", \"stats12\" (the grid code layout)",
                    lambda v: v in ("cjt349", "db11", "stats12")),
    "object_type": ("6 digits as text, e.g. \"440300\" (CJ/T 349's object type code in front of each grid code)",
                    lambda v: isinstance(v, str) and re.fullmatch(r"[0-9]{6}", _object_type_text(v)) is not None),
    "blocks": ("the name of the units' block (街坊) column", lambda v: isinstance(v, str) and v.strip() != ""),
    "gated_col": ("the name of the units' gated estate (小区) column", lambda v: isinstance(v, str) and v.strip() != ""),
    "building_id_col": ("the name of the buildings' id column (楼号), naming them in the report",
                        lambda v: isinstance(v, str) and v.strip() != ""),
    "lock": ("a lock list as --lock takes it: a file of unit_id, or of grid_id (\"locked.csv\", or { path = "
             "\"plan.gpkg\", layer = \"grids\" }), or a list of grid ids such as [\"C01-02\", \"C01-05\"]", _lock_ok),
    "balance": ("\"band\" (any size in the band, streets first) or \"equal\" (grids near the mean size)",
                lambda v: v in ("band", "equal")),
    "street_gap_m": ("a width in metres above 0 and below 1000, e.g. 30", lambda v: _num(v) and 0 < v < 1000),
    "restarts": ("a whole number of runs from 0 to 99, e.g. 5", _restarts_ok),
    "max_deviation_pct": ("a percentage from 1 to 100 (how far from the mean grid a grid may be), e.g. 10",
                          lambda v: _num(v) and 1 <= v <= 100),
    "minutes": ("a list of minutes > 0, e.g. [5, 10, 15]", _positive_list),
    "meters": ("a list of metres > 0, e.g. [300, 500, 1000]", _positive_list),
    "speed_kmh": ("a speed in km/h > 0, e.g. 4.0", _positive),
    "max_snap_m": ("a distance in metres > 0", _positive),
    "cell_m": ("a cell size in metres > 0", _positive),
    "max_walk_m": ("a distance in metres > 0", _positive),
    "gap_band": ("a band label such as \"15min\"", lambda v: isinstance(v, str)),
    "dem": ("a GeoTIFF path (a string)", lambda v: isinstance(v, str) and v.strip() != ""),
    "detour_factor": ("a number >= 1 (a walk is never shorter than the straight line), e.g. 1.25",
                      lambda v: _num(v) and v >= 1),
    "max_off_network_m": ("a distance in metres >= max_snap_m (equal turns estimated walks off)", _positive),
    "station_area_col": ("a column name", lambda v: isinstance(v, str) and v.strip() != ""),
    "min_m2_per_100hh": ("an area in m² per 100 households >= 0, e.g. 30", _non_negative),
    "fca_decay_sigma_m": ("a distance in metres > 0", _positive),
    "k": ("a whole number of sites >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "target": ("a share of households, 0 < target <= 1", lambda v: _num(v) and 0 < v <= 1),
    "band": ("a band such as \"15min\" or \"1000m\"", _band),
    "min_floor_area_m2": ("an area in m² >= 0", _non_negative),
    "candidate_spacing_m": ("a distance in metres > 0, e.g. 25", _positive),
    "capacity_households": ("a number of households > 0", _positive),
    "time_limit_s": ("a number of seconds > 0", _positive),
    "connect_timeout_s": ("a number of seconds > 0", _positive),
    "scheduler": ("\"local\" or a scheduler address such as \"tcp://host:8786\"", lambda v: isinstance(v, str)),
    "n_workers": ("a whole number of workers >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    "memory_limit": ("a size such as \"2GiB\" or a number of bytes",
                     lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool) and v > 0)),
    "by": ("a column name", lambda v: isinstance(v, str)),
    "maps": ("true or false", lambda v: isinstance(v, bool)),
    "workbook": ("true or false", lambda v: isinstance(v, bool)),
    "png": ("true or false", lambda v: isinstance(v, bool)),
    "shapefile": ("true or false", lambda v: isinstance(v, bool)),
    "kml": ("true or false", lambda v: isinstance(v, bool)),
    "lang": ("\"zh\" or \"en\"", lambda v: v in ("zh", "en")),
    "credits": ("a list of the data's sources, e.g. [\"住户数：XX区住建局 2025年\"]",
                lambda v: isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)),
    "name": ("a string", lambda v: isinstance(v, str)),
    "output": ("a folder path (a string)", lambda v: isinstance(v, str) and v.strip() != ""),
}

_INPUT_RULES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "path": ("a file path (a string)", lambda v: isinstance(v, str) and v.strip() != ""),
    "layer": ("a layer name (a string)", lambda v: isinstance(v, str)),
    "coord_sys": ("\"wgs84\", \"gcj02\" (Amap/Tencent) or \"bd09\" (Baidu)", _coord_sys),
    "crs": ("a CRS PROJ knows, such as \"EPSG:4547\" (CGCS2000 3-degree Gauss-Krüger CM 114E)", _crs_ok),
    "sheet": ("a sheet name or number", lambda v: isinstance(v, (str, int)) and not isinstance(v, bool)),
}


def _describe(v) -> str:
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "table"}
    return f"the {kind.get(type(v), type(v).__name__)} {v!r}" if not isinstance(v, dict) else "a table"


def _check_value(where: str, key: str, value, default, source: Path,
                 rules: dict[str, tuple[str, Callable[[Any], bool]]]) -> None:
    if value is None:
        return
    rule = rules.get(key)
    if rule is None:
        if default is None or isinstance(value, type(default)) or (_num(value) and _num(default)):
            return
        rule = (f"a {type(default).__name__}", lambda v: False)
    expected, ok = rule
    if not ok(value):
        hint = ' (write true or false without quotes)' if expected == "true or false" and isinstance(value, str) else ""
        if key == "dem" and isinstance(value, list):  # the tiles of the town, one DEM read
            from spatial.network._dem_units import merge_tiles_hint

            hint = f"; {merge_tiles_hint(value)}"
        raise SpatialError(f"project file {source}: {where} key '{key}' must be {expected}, "
                           f"got {_describe(value)}{hint}")
