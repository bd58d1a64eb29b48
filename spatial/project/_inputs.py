"""Input bookkeeping of a project run (private to :mod:`spatial.project.pipeline`): reading each
input, finding its columns under the names the files give them, a plan given as outlines, and the
input options the steps read.

Moved out of :mod:`spatial.project.pipeline` unchanged; its warnings keep that module's logger.
"""

from __future__ import annotations

import logging

from spatial.io._faults import TABLE_SUFFIXES as _TABLE_SUFFIXES  # tables read as tables, as the command line
from spatial.project.config import NETWORK_SUFFIXES, InputSpec, Project

#: said as the pipeline's own (callers filter its warnings by this name)
logger = logging.getLogger("spatial.project.pipeline")


def read_input(spec: InputSpec, name: str):
    """Read one project input: a network, a points table (CSV/Excel) or a vector layer; an input
    with columns that look personal (姓名, 联系电话, 身份证号 ...) is said so in one warning."""
    data = _read_input(spec, name)
    if name != "network":
        from spatial.io.personal import warn_personal

        warn_personal(data, f"input '{name}' ({spec.path}{'' if spec.layer is None else ':' + str(spec.layer)})")
    return data


def _read_input(spec: InputSpec, name: str):
    from spatial.io import layers as io
    from spatial.network.read import read_network

    opts = spec.options
    if name == "network":
        return read_network(spec.path, layer=spec.layer, **_walk_options(spec))
    if name == "roads" and spec.path.name.lower().endswith(NETWORK_SUFFIXES):  # as spatial grids --roads reads it
        from spatial.network.graph import edges_frame
        from spatial.network.roads import read_roads

        return edges_frame(read_roads(spec.path, layer=spec.layer))
    if name == "plan" and spec.path.suffix.lower() in _TABLE_SUFFIXES:  # unit_id, grid_id[, locked]
        return io.read_table(spec.path, **{k: opts[k] for k in ("sheet", "encoding") if k in opts})
    if spec.path.suffix.lower() in _TABLE_SUFFIXES:
        keys = ("lon_col", "lat_col", "coord_sys", "coord_sys_col", "sheet", "encoding", "crs")
        return io.read_points_table(spec.path, **{k: opts[k] for k in keys if k in opts})
    keys = ("encoding", "coord_sys", "crs")  # crs: what a file that declares none is in
    layer = spec.layer
    if name == "plan":  # a results.gpkg as the plan: its units layer, as spatial grids --existing takes it
        from spatial.grids.plan import plan_layer

        layer = plan_layer(spec.path, layer)
    data = io.read_layer(spec.path, layer=layer, name=name, **{k: opts[k] for k in keys if k in opts})
    if len(data) == 0:
        from spatial.core.errors import GeometryError

        where = f"layer '{spec.layer}' of {spec.path}" if spec.layer else str(spec.path)
        raise GeometryError(f"input '{name}': {where} has no rows; give a layer with features")
    return data


def _walk_options(spec: InputSpec) -> dict:
    """The network input's options for :func:`~spatial.network.read.read_network`."""
    opts = spec.options
    return dict(keep_private=bool(opts.get("keep_private", False)),
                water_barriers=bool(opts.get("water_barriers", True)), rail_barriers=opts.get("rail_barriers"))


def read_network_and_roads(spec: InputSpec):
    """The ``network`` input read once into the walking network (as :func:`read_input` reads it)
    and the roads grid borders follow (the edges of :func:`~spatial.network.roads.read_roads`,
    every class): what a run drawing grids without a ``roads`` input needs of the file."""
    from spatial.network.graph import edges_frame
    from spatial.network.roads import read_network_and_roads as read_both

    network, roads = read_both(spec.path, layer=spec.layer, **_walk_options(spec))
    return network, edges_frame(roads)


def read_lock(spec: dict):
    """``[grids] lock``'s file (``{"path": ..., "layer": ...}``), read as ``spatial grids --lock``
    reads it: a table (CSV, workbook) as it is, a GeoPackage's layer (its ``units`` layer of a
    results file) with or without geometry."""
    from spatial.io import layers as io

    path, layer = spec["path"], spec.get("layer")
    if path.suffix.lower() in _TABLE_SUFFIXES:
        data = io.read_table(path, **({} if layer is None else {"sheet": layer}))
    else:
        from spatial.grids.plan import plan_layer

        data = io.read_layer(path, layer=plan_layer(path, layer), name="lock", tables=True)
    if len(data) == 0:
        from spatial.core.errors import GeometryError

        raise GeometryError(f"[grids] lock: {path} has no rows; list the units (unit_id) or grids (grid_id) to lock")
    from spatial.io.personal import warn_personal

    warn_personal(data, f"[grids] lock ({path})")
    return data


#: input -> (option key, column role, required) found under real names before any slow step
_COLUMNS = {
    "units": (("id_col", "unit_id", True), ("households_col", "households", True),
              ("population_col", "population", False), ("buildings_col", "buildings", False)),
    # a community's name (社区名称 ...) labels it on the maps and in the workbook, as in the KMZ
    "communities": (("id_col", "community_id", True), ("street_col", "street", False), ("name_col", "name", False)),
    "stations": (("id_col", "station_id", True), ("name_col", "name", False)),
    # floor_area_col: the rooms' 建筑面积 / 面积（㎡）, which [siting] min_floor_area_m2 filters on
    "candidates": (("id_col", "candidate_id", False), ("floor_area_col", "floor_area", False)),
    "plan": (("id_col", "unit_id", True), ("grid_id_col", "grid_id", True)),
    "buildings": (("households_col", "households", True), ("population_col", "population", False)),
}


def _find_columns(project: Project, layers: dict) -> Project:
    """The project with every input's columns named: given in the file, else found under common
    Chinese/English names (logged once: ``using column 户数 as households``). The names as the
    files have them go to ``layers["_columns"]`` (input -> option -> column) for the run log."""
    import dataclasses

    from spatial.core.checks import require_unique
    from spatial.core.errors import DuplicateIdError
    from spatial.io.columns import ROLES, find_column

    inputs = dict(project.inputs)
    for name, keys in _COLUMNS.items():
        if name not in layers or name not in inputs:
            continue
        spec = inputs[name]
        options = dict(spec.options)
        if name == "plan":
            if "units" in layers and _outlines_as_plan(layers, spec):
                # the outlines' plan names the units and grids as the contract does (unit_id, grid_id)
                options = {k: v for k, v in options.items() if k not in ("id_col", "grid_id_col")}
            else:  # units built from buildings later: outlines become a plan then (``_redraw``)
                from spatial.grids.plan import is_outline_plan

                if is_outline_plan(layers["plan"]):
                    continue
        for key, role, required in keys:
            if key == "floor_area_col":  # what [siting] min_floor_area_m2 filters on must be there now
                required = project.siting.get("min_floor_area_m2") is not None
            found = find_column(layers[name], role, given=options.get(key), layer=f"{name} ({spec.path.name})",
                                option=f"[inputs] {name} {key}", required=required)
            if found is None:
                continue
            layers.setdefault("_columns", {}).setdefault(name, {})[key] = found  # for run_log.json, as in the file
            if key == "floor_area_col" and required:  # a bad area named by the file's column, before any walk
                from spatial.siting.sites import floor_areas

                ids = layers["_columns"][name].get("id_col", options.get("id_col", "candidate_id"))  # the file's
                area = floor_areas(layers[name], found, ids, spec.path.name)
                layers[name] = layers[name].assign(**{found: area})
            canonical = ROLES[role][0]  # the contract's name (floor_area_m2 for the role floor_area)
            if key not in options and found != canonical:
                logger.warning("%s: using column %s as %s", name, found, canonical)
            if found != canonical and canonical not in layers[name].columns:
                # the steps read the contract's names: the column is copied under it, the input's kept;
                # one differing only in case (KML's Name) is renamed: a GeoPackage cannot hold both
                if found.lower() == canonical.lower():
                    layers[name] = layers[name].rename(columns={found: canonical})
                    options = {k: canonical if v == found else v for k, v in options.items()}
                else:
                    layers[name] = layers[name].assign(**{canonical: layers[name][found]})
                found = canonical
            options[key] = found
            if key == "id_col":  # repeated ids are found now, not after the network is read
                try:
                    require_unique(layers[name], found, spec.path.name)  # the file, as the user gave it
                except DuplicateIdError as exc:
                    raise DuplicateIdError(str(exc) + _by_street(layers[name], found, name)) from None
        inputs[name] = dataclasses.replace(spec, options=options)
    gated = project.grids.get("gated_col")
    owner = next((n for n in ("units", "buildings") if n in layers and n in inputs), None)
    if gated is not None and owner is not None:  # named on purpose: there, or one line (as --gated-col)
        from spatial.grids._inputs import require_gated_col

        require_gated_col(layers[owner], gated, f"the {owner} in '{inputs[owner].path.name}'", "[grids] gated_col",
                          f"project file {project.source}: ")
    named = project.grids.get("building_id_col")
    if named is not None:  # (one line now, not after the network is read)
        from spatial.core.errors import SpatialError
        from spatial.io._rownames import building_id_column

        if "buildings" not in layers:
            raise SpatialError(f"project file {project.source}: [grids] building_id_col = {named!r} names the buildings "
                               "of [inputs] buildings in the report, and there are none; add them, or leave it out")
        building_id_column(layers["buildings"], named, layer=inputs["buildings"].path.name,
                           option="[grids] building_id_col")
    return dataclasses.replace(project, inputs=inputs)


def _by_street(frame, id_col: str, name: str) -> str:
    """For communities numbered afresh in each 街道 (001, 002 ... in every street): what the
    repeated-id message adds, naming one id and two of its streets; ``""`` otherwise."""
    from spatial.io.columns import find_column

    street = find_column(frame, "street", required=False) if name == "communities" else None
    if street is None or street == id_col:
        return ""
    pairs = frame[[street, id_col]].astype(str)
    if pairs.duplicated().any():  # repeated within a street too: not a numbering per street
        return ""
    dup = pairs[pairs[id_col].duplicated(keep=False)]
    first = dup[id_col].iloc[0]
    where = dup.loc[dup[id_col] == first, street].tolist()
    return (f" (they restart in each 街道: {first} is in {where[0]} and {where[1]}; give ids unique in the "
            f"whole area, e.g. the 12-digit 社区代码, or the street and id together such as {where[0]}-{first})")


def _outlines_as_plan(layers: dict, spec) -> bool:
    """A plan given as the old grids' outlines (polygons with a grid id, its ``grid_id_col`` or a
    name): each unit to the grid covering most of it, the units outside every outline or cut by one
    kept for the report; whether the plan was outlines."""
    from spatial.grids.plan import is_outline_plan, outlines_as_plan

    plan, given = layers["plan"], spec.options.get("grid_id_col")
    if given is not None and given != "grid_id" and is_outline_plan(plan, layers["units"]):
        if given not in plan.columns:
            from spatial.core.errors import ColumnError

            have = ", ".join(str(c) for c in plan.columns if c != plan.geometry.name)
            raise ColumnError(f"[inputs] plan grid_id_col: '{spec.path.name}' has no column {given!r}; it has: "
                              f"{have}")
        plan = plan.drop(columns="grid_id", errors="ignore").assign(grid_id=plan[given])
    layers["plan"], rows = outlines_as_plan(plan, layers["units"], name=f"'{spec.path.name}'")
    if rows is not None:
        layers["plan_report"] = rows
    return rows is not None


def _opt(project: Project, name: str, key: str, default: str) -> str:
    spec = project.inputs.get(name)
    return spec.options.get(key, default) if spec is not None else default
