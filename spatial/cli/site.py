"""``spatial site``: choose new station sites."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from pathlib import Path

from spatial.cli._common import (
    LAYER_SUFFIXES,
    NETWORK_SUFFIXES,
    OneDem,
    add_column_options,
    add_walk_options,
    as_contract,
    check_inputs,
    check_output,
    check_walk_options,
    column,
    coord_sys,
    non_negative,
    positive,
    positive_int,
    read_from,
    read_input,
    read_walk_layers,
    repaired_units,
    require_households,
    say,
    share,
    source,
    split_spec,
    walk_report,
)
from spatial.core.errors import SpatialError


def add_parser(sub) -> None:
    p = sub.add_parser("site", help="choose new station sites (maximal coverage or set cover)",
                       description="A FILE may name a GeoPackage layer as FILE.gpkg:layer "
                                   "(a KML folder as FILE.kml:folder).")
    p.add_argument("network", type=Path, help="walking network (.graphml, .osm, .osm.pbf or a line layer)")
    p.add_argument("stations", type=Path, help="existing stations (.gpkg/.geojson/.shp, or .csv/.xlsx)")
    p.add_argument("demand", type=Path, help="residential units with a households column")
    p.add_argument("--candidates", type=Path, default=None,
                   help="candidate sites with candidate_id (default: network nodes near uncovered homes)")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--k", type=positive_int, help="number of new sites (maximal coverage)")
    goal.add_argument("--target", type=share, help="share of households to cover, e.g. 0.99 (set cover)")
    p.add_argument("--band", default="15min", help="band to site for (default: 15min)")
    p.add_argument("--speed-kmh", type=positive, default=4.0, help="walking speed (default: 4.0 km/h)")
    p.add_argument("--dem", type=Path, default=None, action=OneDem,
                   help="GeoTIFF DEM (any CRS), or a .graphml with node elevations: a minute --band counts the "
                        "walk to the station on the slopes (Tobler's hiking function), as spatial coverage --dem")
    p.add_argument("--candidate-spacing-m", type=positive, default=None,
                   help="without --candidates: the network nodes sited are at most one per square of this side "
                        "(default: 100 m; 25 m tries about twice as many, and may find a better spot)")
    p.add_argument("--min-floor-area-m2", type=non_negative, default=None, help="smallest candidate floor area")
    p.add_argument("--capacity-households", type=positive, default=None, help="most households per new site")
    p.add_argument("--time-limit-s", type=positive, default=30.0, help="time limit of the exact model (s > 0)")
    p.add_argument("--no-exact", action="store_true", help="greedy only, skip the exact check")
    p.add_argument("--keep-private", action="store_true",
                   help="walk the lanes of gated estates an OSM network tags access=private|no, foot=private or "
                        "service=private (dropped by default; foot=no stays dropped)")
    p.add_argument("--keep", choices=("largest", "stations", "all"), default="largest",
                   help="which connected parts of the network to keep: the largest (default), every part that "
                        "holds a station, or all (new sites may then serve a part with no station)")
    p.add_argument("--communities", type=Path, default=None,
                   help="community polygons with a community id (community_id, 社区编号 ...; or give "
                        "--community-id-col): the before_after layer gets a row per community, as spatial "
                        "coverage --communities gives its summary (homes in none under '(none)')")
    for layer in ("stations", "demand", "communities", "candidates"):  # rooms picked on Amap are GCJ-02 too
        p.add_argument(f"--{layer}-coord-sys", type=coord_sys, default="wgs84", metavar="SYS",
                       help=f"what the {layer} layer's longitude/latitude numbers are: wgs84 (default), "
                            "gcj02 (Amap/Tencent pick-ups) or bd09 (Baidu); moved to WGS-84 on reading")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    add_walk_options(p)  # as spatial coverage takes them: the coverage before siting is the one it measured
    add_column_options(p, "unit_id", "station_id", "candidate_id", "households", "population", "name",
                       "community_id")
    p.set_defaults(func=_cmd_site)


def _band(text: str) -> dict:
    """The bands of ``--band``: GB 50180's 5/10/15 minutes (300/500/1,000 m) below it, and it: each
    site says the households it brings within each (``new_hh_5min`` ...), as a project's run does."""
    from spatial.coverage.bands import DEFAULT_MINUTES, GB50180_METERS

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(min|m)\s*", text)
    if m is None or float(m.group(1)) <= 0:
        raise SpatialError(f"--band {text!r} must look like 15min or 1000m (a number > 0)")
    value = float(m.group(1))
    below = DEFAULT_MINUTES if m.group(2) == "min" else GB50180_METERS
    values = (*(float(v) for v in below if v < value), value)
    return {"minutes": values, "meters": None} if m.group(2) == "min" else {"minutes": None, "meters": values}


def _cmd_site(args: argparse.Namespace) -> int:
    import pandas as pd

    from spatial.core.checks import Report, check_households, require_unique
    from spatial.io.validate import MAX_UNIT_HOUSEHOLDS
    from spatial.io.coords import to_wgs84
    from spatial.io.layers import write_layers
    from spatial.network.read import read_network
    from spatial.siting.sites import floor_areas, site_stations

    bands = _band(args.band)
    if args.min_floor_area_m2 is not None and args.candidates is None:  # network nodes have no floor area
        raise SpatialError("--min-floor-area-m2 filters the --candidates layer by floor area, but none is given and "
                           "the network nodes sited instead have none: give --candidates FILE or leave out "
                           "--min-floor-area-m2")
    if args.candidate_spacing_m is not None and args.candidates is not None:  # rooms are sited as listed
        raise SpatialError("--candidate-spacing-m thins the network nodes sited when no --candidates are given; "
                           "the rooms of --candidates are each sited as listed: leave out --candidate-spacing-m")
    inputs = {"NETWORK": args.network, "STATIONS": args.stations, "DEMAND": args.demand,
              "--candidates": args.candidates, "--dem": args.dem, "--communities": args.communities,
              "--gates": args.gates, "--barriers": args.barriers}
    check_inputs(inputs, suffixes={"NETWORK": NETWORK_SUFFIXES + LAYER_SUFFIXES,
                                   "--dem": (".tif", ".tiff", ".vrt", ".img", ".asc", ".graphml")})
    check_output(args.out, inputs=inputs, suffixes=(".gpkg",))
    check_walk_options(args)
    demand = read_input(args.demand, ("units", "demand"), "demand", points=True)
    stations = read_input(args.stations, "stations", "stations", points=True, allow_empty=True)
    if args.stations_coord_sys != "wgs84" and len(stations):  # Amap/Tencent or Baidu numbers: to WGS-84 first
        stations = to_wgs84(stations, args.stations_coord_sys, name=str(args.stations))
    if args.demand_coord_sys != "wgs84":
        demand = to_wgs84(demand, args.demand_coord_sys, name=str(args.demand))
    candidates = None if args.candidates is None else read_input(args.candidates, "candidates", "candidates",
                                                                 points=True)
    if candidates is not None and args.candidates_coord_sys != "wgs84":  # picked on Amap/Baidu: to WGS-84 first
        candidates = to_wgs84(candidates, args.candidates_coord_sys, name=str(args.candidates))
    read_from(args, demand=source(args.demand), stations=source(args.stations),
              **({} if args.candidates is None else {"candidates": source(args.candidates)}))
    cols = dict(households_col=column(args, demand, "households", "demand", swapped=(
        stations, source(args.stations), "spatial site NETWORK STATIONS UNITS")),
                population_col=column(args, demand, "population", "demand", required=False) or "population",
                demand_id_col=column(args, demand, "unit_id", "demand", required=False))
    hh, pop = cols["households_col"], cols["population_col"]
    for col in (hh, pop) if pop in demand.columns else (hh,):  # '203户', '1,203': read once, said of the file
        counts = check_households(demand, col, source(args.demand), id_col=cols["demand_id_col"],  # as coverage:
                                  max_value=MAX_UNIT_HOUSEHOLDS if col == hh else None)  # a wrong column
        if col == hh:  # all 0: no site could add any
            require_households(counts, hh, source(args.demand))
        if not pd.api.types.is_float_dtype(demand[col]):
            demand = demand.assign(**{col: counts.to_numpy()})
    if len(stations):
        stations = as_contract(stations, column(args, stations, "station_id", "stations", required=False),
                               "station_id")
        stations = as_contract(stations, column(args, stations, "name", "stations", required=False), "name")
    if candidates is not None:
        cols["candidate_id_col"] = column(args, candidates, "candidate_id", "candidates")
        require_unique(candidates, cols["candidate_id_col"], source(args.candidates))  # before the network is read
        if args.min_floor_area_m2 is not None:  # floor_area_m2, or 建筑面积, 面积 ... under that name
            area_col = _candidate_area(args, candidates)  # read and checked as the file names it, before any walk
            area = floor_areas(candidates, area_col, cols["candidate_id_col"], source(args.candidates))
            candidates = candidates.assign(floor_area_m2=area)
    if cols["demand_id_col"] is not None:
        require_unique(demand, cols["demand_id_col"], source(args.demand))
    repaired = Report()  # invalid footprints repaired as spatial coverage repairs them: walked from the same points
    demand = repaired_units(demand, repaired, cols["demand_id_col"])
    if args.communities is not None:  # before/after per community, each home where the grids place it
        demand = _in_communities(args, demand, cols["demand_id_col"])
    walk_opts = read_walk_layers(args)  # max_off_network_m, detour_factor, gates, barriers
    net_path, net_layer = split_spec(args.network)  # FILE.gpkg:layer (osmnx's GeoPackage: edges)
    if args.keep == "stations" and not len(stations):
        raise SpatialError(f"--keep stations: '{args.stations}' has no stations; give --keep all or largest")
    network = read_network(net_path, layer=net_layer, keep_private=args.keep_private, keep=args.keep,
                           water_barriers=not args.no_water_barriers, rail_barriers=args.rail_barriers,
                           max_snap_m=max(args.max_snap_m, args.max_off_network_m),  # as stations are walked to
                           stations=stations if args.keep == "stations" else None)
    dem = None
    if args.dem is not None and bands["meters"] is not None:  # a distance stays a distance
        say(args, f"--dem {args.dem.name} not used: the band {args.band.strip()} is a walking distance, not a time")
    elif args.dem is not None:  # slopes: the times spatial coverage --dem counts
        from spatial.network.elevation import edge_times

        dem = edge_times(network, args.dem)
        say(args, dem.describe())
    result = site_stations(
        demand, stations, network, candidates=candidates,
        k=args.k, target=args.target, band=args.band.strip(), speed_kmh=args.speed_kmh,
        min_floor_area_m2=args.min_floor_area_m2, capacity_households=args.capacity_households,
        exact=not args.no_exact, time_limit_s=args.time_limit_s, dem=dem, max_snap_m=args.max_snap_m,
        candidate_spacing_m=args.candidate_spacing_m or SPACING_M, **walk_opts, **bands, **cols,
    )
    # which gaps each site fills, the gaps spatial coverage draws with these walks; with no station every
    # home is in one (until 8 December 2026 no gaps layer was written then)
    gaps, sites = _gap_fills(args, demand, stations, network, result, dem, walk_opts, bands, cols)
    result = replace(result, sites=sites)
    lines = _result_lines(result, cols)  # made before writing: a late error never follows written outputs
    if gaps is not None and gaps["rank"].notna().any():  # (none: every home within the band, or no walk reaches it)
        lines.insert(len(result.sites), _unfilled_line(gaps, result.band.label))
    if candidates is None and result.optimality.get("candidates"):  # 'optimal' is among these nodes, not
        lines.append(_nodes_line(result, args.candidate_spacing_m or SPACING_M))  # every spot on the streets
    left = _left_out_line(result.report, candidates, cols.get("candidate_id_col"), network)
    if left:
        lines.insert(0, left)
    from spatial.maps._gis_styles import GEOMETRY_TYPES, qgis_styles

    from spatial.io.workbook import integer_counts

    # counts as integers (2582 households gained, not 2582.0), as `spatial coverage` and `run` write them
    layers = {"sites": result.sites, "before_after": result.before_after, "unreachable": result.unreachable,
              **({} if gaps is None else {"gaps": gaps})}
    layers = {k: integer_counts(v, also=tuple(c for c in (hh, pop) if c)) if isinstance(v, pd.DataFrame) else v
              for k, v in layers.items()}
    # the network's rows, as spatial coverage's (the DEM's row is of the siting's own)
    report = walk_report(network, None, repaired, result.report)
    write_layers({**layers, "report": report}, args.out, fresh=True,
                 styles=qgis_styles({"sites": layers["sites"]}),  # an empty layer keeps its type:
                 geometry_types={**GEOMETRY_TYPES, "unreachable": _family_type(demand)})
    for line in lines:
        say(args, line)
    say(args, f"wrote {args.out} (layers {', '.join(layers)}, report)")
    return 0


def _gap_fills(args: argparse.Namespace, demand, stations, network, result, dem, walk_opts: dict, bands: dict,
               cols: dict):
    """``(gaps, sites)``: the gaps beyond the band sited for, as ``spatial coverage`` finds them on the
    same walks (ids G001 ... as its gaps layer gives them), with ``filled_by`` and ``households_filled``,
    and the sites with ``gaps`` (:func:`spatial.siting.sites.fill_gaps`)."""
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.walks import walking_coverage
    from spatial.siting.sites import fill_gaps

    if len(stations):
        scored = walking_coverage(demand, stations, network, max_snap_m=args.max_snap_m, speed_kmh=args.speed_kmh,
                                  dem=dem, **walk_opts, **bands)
    else:
        scored = _no_station_walks(demand, network, args.max_snap_m, walk_opts)
    gaps, labelled = coverage_gaps(scored, network, band=result.band.label, max_snap_m=args.max_snap_m,
                                   households_col=cols["households_col"], population_col=cols["population_col"],
                                   detour_factor=args.detour_factor, speed_kmh=args.speed_kmh, dem=dem,
                                   barriers=walk_opts["barriers"], gates=walk_opts["gates"], points=True)
    gaps, sites = fill_gaps(gaps, result, labelled["gap_id"], cols["households_col"])
    return gaps.to_crs(demand.crs), sites


def _no_station_walks(demand, network, max_snap_m: float, walk_opts: dict):
    """``demand`` as ``walking_coverage`` would score it with no station at all: every home that
    reaches the network (``access``, ``off_network_m`` and ``reason`` as it snaps them) beyond every
    band, the others unreachable, so that its gaps are drawn as with stations."""
    import numpy as np

    from spatial.coverage.bands import BEYOND, UNREACHABLE
    from spatial.coverage.walks import barrier_lines, gate_points
    from spatial.network.snapping import layer_xy, snap_walks

    snap = snap_walks(network, layer_xy(demand, network, name="demand"), max_snap_m=max_snap_m,
                      max_off_network_m=walk_opts["max_off_network_m"], detour_factor=walk_opts["detour_factor"],
                      gates_xy=gate_points(walk_opts["gates"], network),
                      barriers=barrier_lines(walk_opts["barriers"], network))
    return demand.assign(walk_m=np.inf, walk_min=np.inf, nearest_station=None,
                         band=np.where(snap.ok, BEYOND, UNREACHABLE), reason=snap.reason, access=snap.access,
                         off_network_m=snap.off_network_m)


def _unfilled_line(gaps, band: str) -> str:
    """What the new sites do for the ranked gaps, and which they leave: ``gaps beyond 15min: 14 of 31
    reached by the new sites (6,555 households brought within it); none reaches 17 (3,206
    households): G004 (1,298), G009 (336) ...`` (the first five, most households first)."""
    ranked = gaps[gaps["rank"].notna()]
    left = ranked[ranked["filled_by"].fillna("") == ""]
    named = ", ".join(f"{g} ({h:,.0f})" for g, h in zip(left["gap_id"].head(5), left["households"].head(5)))
    more = " ..." if len(left) > 5 else ""
    text = (f"gaps beyond {band}: {len(ranked) - len(left)} of {len(ranked)} reached by the new sites "
            f"({gaps['households_filled'].sum():,.0f} households brought within it)")
    return text + (f"; none reaches {len(left)} ({left['households'].sum():,.0f} households): {named}{more}"
                   if len(left) else "")


def _in_communities(args: argparse.Namespace, demand, demand_id_col: str | None):
    """``demand`` with a ``community_id`` column (what the before/after table groups by) read from
    ``--communities``: the demand's own community id where it has one (``C01 `` for ``C01``, ``5``
    for ``05``, matched as ``spatial coverage`` matches them), else the community most of the home lies in, None outside every one."""
    import numpy as np
    import pandas as pd

    from spatial.core.checks import Report, repair_geometries, require_unique
    from spatial.grids._units import community_positions
    from spatial.io.coords import to_wgs84
    from spatial.io.validate import require_outlines

    communities = read_input(args.communities, "communities", "communities", points=True)  # a WKT table too
    if args.communities_coord_sys != "wgs84":  # outlines drawn on Amap: homes would fall in the wrong one
        communities = to_wgs84(communities, args.communities_coord_sys, name=str(args.communities))
    cid = column(args, communities, "community_id", "communities")
    require_unique(communities, cid, source(args.communities))
    communities = repair_geometries(communities, "communities", Report(), id_col=cid, allow_empty=True)
    require_outlines(communities, source(args.communities), cid)
    if cid in demand.columns:  # 5 for '05' (Excel dropped the zero), 1 for '1': matched, as spatial coverage does
        from spatial.core._ids import ids_of

        demand = demand.assign(**{cid: ids_of(demand[cid], communities[cid].tolist(), source(args.demand), cid,
                                              source(args.communities))})
    pos = community_positions(demand, communities, community_id_col=cid, unit_id_col=demand_id_col or "unit_id")
    ids = communities[cid].to_numpy(dtype=object)
    placed = pd.Series(np.where(pos >= 0, ids[np.maximum(pos, 0)], None), index=demand.index, dtype=object)
    return demand.assign(community_id=placed)


def _family_type(layer) -> str:
    """The geometry type a layer of ``layer``'s rows is declared when it has none: ``Point``, or
    the multi-part type of its lines or polygons."""
    types = {t.replace("Multi", "") for t in layer.geometry.dropna().geom_type.unique()}
    kind = types.pop() if len(types) == 1 else "Polygon"
    return kind if kind == "Point" else f"Multi{kind}"


def _candidate_area(args: argparse.Namespace, candidates) -> str:
    """The candidates' floor area column for ``--min-floor-area-m2``: floor_area_m2 or a common
    name of it (建筑面积, 面积 ..., said once); none is refused naming the file and what to do."""
    from spatial.core.errors import ColumnError
    from spatial.io.columns import ROLES

    found = column(args, candidates, "floor_area", "candidates", option="--floor-area-col", required=False)
    if found is None:
        have = ", ".join(str(c) for c in candidates.columns if c != candidates.geometry.name)
        raise ColumnError(f"--min-floor-area-m2: '{source(args.candidates)}' has no floor area column (looked for "
                          f"{', '.join((ROLES['floor_area'][0], *ROLES['floor_area'][1]))}); it has: {have}. "
                          "Add the floor area in m² as a column floor_area_m2, or leave out --min-floor-area-m2")
    return found


def _pct(value) -> str:
    """A share as every output shows it: to the tenth, rounded half up (76.0%, as the workbook)."""
    from spatial.core._numbers import round_half_up

    return f"{round_half_up(value, 1):.1f}%"


def _result_lines(result, cols: dict) -> list[str]:
    """What ``spatial site`` says of its result: the sites in order, the coverage before and after,
    and how near the greedy plan is to the optimum."""
    from spatial.core._words import counted

    from spatial.maps._style import site_names

    o = result.optimality
    # each room by its own name too (名称 in the 街道's list), as the map and the KMZ name it
    names = site_names(result.sites) or [None] * len(result.sites)
    lines = [f"{row['site_id']}  {row.get('candidate_id', row.get(cols.get('candidate_id_col'), ''))}  "
             + (f"{str(name).strip()}  " if isinstance(name, str) and name.strip() else "")
             + f"+{counted(row['gain_households'], 'household', shown=format(row['gain_households'], '.0f'))} -> "
             f"{_pct(row['cum_coverage_pct'])}" + _fill_words(row, result.band.label)
             for (_, row), name in zip(result.sites.iterrows(), names)]
    overall = result.before_after.iloc[0]
    lines.append(f"coverage within {result.band.label}: {_pct(overall['pct_before'])} -> "
                 f"{_pct(overall['pct_after'])} of households")

    def num(v, fmt=".0f"):
        return "-" if v is None else format(v, fmt)

    if o["exact_value"] is not None or o["status"] != "greedy only":
        lines.append(f"optimality ({o['problem']}): greedy {num(o['greedy_value'])}, exact {num(o['exact_value'])}, "
                     f"bound {num(o['bound'])}, greedy gap {num(o['gap_pct'], '.2f')}% ({o['status']}, "
                     f"{o['seconds']:.2f} s); kept the {o['solution']} plan, gap {num(o['plan_gap_pct'], '.2f')}%")
    else:
        lines.append(f"optimality ({o['problem']}): greedy only, no exact check")
    # o["message"] (a target no candidates reach, fewer than k sites) is said once, as siting's warning on stderr
    return lines


def _fill_words(site, band: str) -> str:
    """What a site brings within the bands below the one sited for, and the gaps it fills:
    ``; within 5min +582, 10min +2760; fills G001 (1,011), G004 (586)``."""
    within = [f"{str(c)[7:]} +{site[c]:.0f}" for c in site.index
              if str(c).startswith("new_hh_") and str(c)[7:] != band and site[c] == site[c]]
    said = f"; within {', '.join(within)}" if within else ""
    if "gaps" in site.index:
        said += f"; fills {site['gaps']}" if site["gaps"] else "; fills no gap"
    return said


#: Side of the squares (m) of which at most one network node is sited without --candidates.
SPACING_M = 100.0


def _nodes_line(result, spacing_m: float) -> str:
    """What the sites were chosen among when no candidates were given: the network nodes near the
    homes left uncovered, at most one a square of ``spacing_m``, so the optimum said is theirs."""
    from spatial.core._words import counted

    n = int(result.optimality.get("candidates") or 0)
    finer = f"; --candidate-spacing-m {spacing_m / 4:g} tries more" if spacing_m > 25 else ""
    return (f"sited among {counted(n, 'network node', thousands=True)} near homes left uncovered, at most one per "
            f"{spacing_m:g} m square (the optimum above is among them{finer})")


#: A candidate this far from every walkway (m) is named: likely a coordinate mistake.
FAR_OFF_M = 5000.0


def _left_out_line(report, candidates, id_col: str | None, network) -> str:
    """One line for the candidates the report layer says were left out: how many, why (with
    counts), and the ones more than ``FAR_OFF_M`` from the network by name, as likely coordinate
    mistakes; then those reaching homes but not chosen, counted by why (empty text when none)."""
    import numpy as np
    import shapely

    from spatial.network.snapping import layer_xy

    from spatial.core._words import counted

    rows = report[report["layer"] == "candidates"]
    # reaching homes but not chosen: a count per why (duplicates of a chosen site, others adding less)
    # (one reaching no uncovered household is on the network, kept, and not chosen: 'adds nobody', not 'left out')
    lost = rows["problem"].astype(str).str.match(r"^(same place as chosen site|reaches only households |would add |"
                                                 r"reaches no uncovered household )")
    passed, rows = rows[lost], rows[~lost]
    if not len(rows) and not len(passed):
        return ""
    # one count per rule, not per value ("floor area 715 m² < 10000 m² 1, floor area 700 m² ..."): the values are
    # in the report layer
    kinds = (rows["problem"].astype(str).str.replace(r"^floor area \S+ m² < ", "floor area < ", regex=True)
             .str.replace(r"^land use .* not allowed$", "land use not allowed", regex=True))
    counts = kinds.value_counts(sort=True)
    text = (f"{counted(len(rows), 'candidate')} left out (see the report layer): "
            + ", ".join(f"{why} {n}" for why, n in counts.items())) if len(rows) else ""
    if len(passed):
        why = passed["problem"].astype(str).str.replace(r"^same place as chosen site .*", "same place as a "
                                                       "chosen site", regex=True) \
            .str.replace(r"^reaches only households .*", "reaches only homes chosen sites reach", regex=True) \
            .str.replace(r"^would add .*", "the chosen sites add more", regex=True)
        # set cover: not chosen because the target is reached without them (no site chosen at all when the
        # stations reach it), not because chosen sites add more
        target = passed["action"].astype(str).str.startswith("not chosen: the target ").to_numpy()
        why = why.where(~target, "the target is reached without them").value_counts(sort=True)
        text += ("; " if text else "") + (f"{len(passed)} not chosen (see the report layer): "
                                          + ", ".join(f"{w} {n}" for w, n in why.items()))
    if not len(rows):
        return text
    if candidates is None or id_col is None or not network.n_edges:
        return text
    ids = candidates[id_col].astype(str).to_numpy()
    out = np.isin(ids, rows["row_id"].astype(str).to_numpy())
    xy = layer_xy(candidates[out], network, name="candidates")
    located = np.isfinite(xy).all(axis=1)
    if not located.any():
        return text
    tree = shapely.STRtree(network.geometry)
    _, dist = tree.query_nearest(shapely.points(xy[located]), return_distance=True, all_matches=False)
    far = dist > FAR_OFF_M
    if far.any():
        named = [f"{i} ({d / 1000:,.0f} km)" for i, d in zip(ids[out][located][far], dist[far])]
        text += (f"; {len(named)} {'lies' if len(named) == 1 else 'lie'} more than {FAR_OFF_M / 1000:g} km from the network, likely a coordinate "
                 f"mistake (longitude/latitude swapped or mistyped, another coordinate system): "
                 + ", ".join(named[:10]) + (" ..." if len(named) > 10 else ""))
    return text
