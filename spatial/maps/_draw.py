"""Drawing each layer of the maps: its popup head and rows, style, pane and label (private).

Called by :mod:`spatial.maps.interactive` with the map's bookkeeping ``state`` (language,
GCJ-02 shift, names of communities and stations, bounds).
"""

from __future__ import annotations

import html

import numpy as np
import shapely

from spatial.core._frames import lines_frame
from spatial.core.checks import require_crs
from spatial.io._figures import area_words
from spatial.maps import _style as st
from spatial.maps._data import (COMMUNITY_FIELDS, GAP_FIELDS, HOME_POINT_DECIMALS, SITE_FIELDS, STATION_FIELDS,
                                UNIT_FIELDS, display_geometry, gap_notes, head_props, jsonable, layer_json, names_of,
                                off_network, popup_props)
from spatial.maps._layers import BoxControl, StationSearch, VectorLayer
from spatial.maps._fills import no_homes
from spatial.maps._legend import HATCH
from spatial.maps._speed import sites_at_speed
from spatial.maps._tables import site_table

#: Gaps with a permanent rank label (the largest ones); the rest show it in their popup.
GAP_LABELS = 10
#: The layers of homes, whose points are drawn to :data:`~spatial.maps._data.HOME_POINT_DECIMALS`, and
#: the gaps, whose outlines are drawn round homes' points (all their coordinates so).
HOME_LAYERS = ("demand_covered", "demand_uncovered", "demand_empty")
GAP_LAYERS = ("gaps",)


def add_layer(m, gdf, key, *, name, kind, props, fields, styles, state, report, style_index=None,
               show=True, fit=True, label=None, label_fit=False, **opts) -> VectorLayer:
    data, n, bounds = layer_json(gdf, key.split("_")[0], props, style_index, gcj02=state["gcj02"], report=report,
                                 label_points=label is not None and key in st.LABEL_PRIORITY,
                                 decimals=HOME_POINT_DECIMALS if key in GAP_LAYERS else 6,
                                 point_decimals=HOME_POINT_DECIMALS if key in HOME_LAYERS + GAP_LAYERS else None)
    layer = VectorLayer(data, name=html.escape(name), key=key, kind=st.text(state["lang"], kind) if kind else "",
                        z=st.Z[key], styles=styles, fields=fields, show=show, n_features=n,
                        label_field=label, label_priority=st.LABEL_PRIORITY.get(key, 0),
                        label_fit=label_fit, stack=bool(fields) or "_t" in props, **opts)
    layer.add_to(m)
    state["n_features"] += n
    if bounds is not None and fit:
        state["bounds"].append(bounds)
    return layer


def id_texts(lang: str, key: str, values) -> list[str | None]:
    return [None if v is None else st.text(lang, key, id=v) for v in values]


def communities(m, state, lang, report, communities, extra=None):
    """Community outlines with their names as labels; popup rows ``COMMUNITY_FIELDS`` + ``extra``."""
    require_crs(communities, "communities")
    props, fields = popup_props(communities, COMMUNITY_FIELDS, lang, names=state["names"])
    for col, (values, label) in (extra or {}).items():
        props[col] = values
        fields.append(st.field(lang, col, label))
    cid = jsonable(communities["community_id"], "community_id") if "community_id" in communities else None
    nm = jsonable(communities["name"], "name") if "name" in communities else None
    title = nm or cid
    props.update(head_props(len(communities), title=title, sub=None,
                            ids=id_texts(lang, "ids_community", cid) if nm and cid else None))
    add_layer(m, communities, "communities", name=st.text(lang, "communities"), kind="kind_community",
               props=props, fields=fields, state=state, report=report,
               label="_t" if title else None, label_fit=True,
               styles=[{"color": st.COMMUNITY_COLOUR, "weight": 2.5, "dashArray": "6 4", "fill": False}])


def network(m, state, lang, report, network_edges):
    network_edges = lines_frame(network_edges)  # a WalkNetwork or an osmnx graph: its edges
    require_crs(network_edges, "network_edges")
    if network_edges.attrs.get("from_osm", True):  # OpenStreetMap's network is credited on this map
        state["network_drawn"] = True
    add_layer(m, network_edges, "network", name=st.text(lang, "network"), kind=None, props={}, fields=[],
               styles=[{"color": st.NETWORK_COLOUR, "weight": 1, "opacity": 0.7, "radius": 1}],
               state=state, report=report, fit=False)


def remember_names(state, communities=None, stations=None, name_col="name") -> None:
    if communities is not None:
        state["names"].setdefault("community", {}).update(names_of(communities, "community_id"))
    if stations is not None:  # ids under 站点编号 too: a home's nearest station is named, not numbered
        state["names"].setdefault("station", {}).update(names_of(typed_stations(stations), "station_id", name_col))


def community_extra(table, communities, band_list, lang) -> dict | None:
    """Per-community households and % covered per band, for the community popups."""
    if table is None or communities is None or "community_id" not in communities.columns:
        return None
    per = table[table["level"] == "community"].drop_duplicates("id").set_index("id")
    ids = communities["community_id"].astype(str)
    extra = {}
    if "households" in per.columns:
        extra["households"] = (jsonable(ids.map(per["households"]), "households"), None)
    for b in band_list:
        col = f"pct_hh_{b}"
        if col in per.columns:
            extra[col] = (jsonable(ids.map(per[col]), col),
                          st.field_label(lang, "pct_hh", band=st.band_label(lang, b)))
    return extra


def isochrones(m, state, lang, report, isochrones, band_list, colours) -> None:
    """The service areas, one layer per band (the farthest under the nearest). A station no walk
    reaches (too far from the network: its rows' ``reason``) has none, as expected: not drawn and
    not said again (its own popup says why it serves nobody); an area empty for no reason is.
    The areas reach a walk beyond the homes counted: they never widen the first view, which fits
    the area studied (on Huangpu the overview, its areas hidden, opened on 1.6 km round two
    communities 400 m across)."""
    reason = (isochrones["reason"].astype(object).where(isochrones["reason"].notna(), "").astype(str).str.strip()
              if "reason" in isochrones.columns else None)
    if reason is not None:
        geoms = isochrones.geometry.values
        isochrones = isochrones[~((shapely.is_missing(geoms) | shapely.is_empty(geoms)) & reason.ne("").to_numpy())]
    for b in reversed(band_list):
        part = isochrones[isochrones["band"].astype(str) == b]
        if part.empty:
            continue
        layer = add_layer(m, part, "isochrones", show=not state.get("overview"), fit=False, kind="kind_area",
                          props={}, name=st.text(lang, "service_area", band=st.band_label(lang, b)), fields=[], state=state,
                          report=report, styles=[{"color": colours[b], "weight": 1, "fillColor": colours[b],
                                                  "fillOpacity": 0.2}])
        layer.options["z"] = st.Z["isochrones"] + len(band_list) - band_list.index(b)
        layer.options["key"] = f"isochrones-{b}"
        layer.options_js = st.to_js(layer.options)


def demand(m, state, lang, report, demand, band_list, colours, households_col) -> None:
    """The units by the nearest band reaching them, those beyond every band and those no walk
    reaches; units of 0 households apart, hatched (无住户): a park beyond 15 minutes is no gap, a
    road strip within 5 minutes no coverage (until 8 December 2026 both were coloured by band)."""
    cols = [c if c != "households" else households_col for c in UNIT_FIELDS]
    uncovered = ~demand["band"].astype(str).isin(band_list).to_numpy()
    empty = no_homes(demand, households_col)
    for mask, key in ((~uncovered & ~empty, "demand_covered"), (uncovered & ~empty, "demand_uncovered"),
                      (empty, "demand_empty")):
        part = demand[mask]
        if part.empty:
            continue
        props, fields = popup_props(part, cols, lang, names=state["names"])
        raw = part["band"].astype(str)
        uid = jsonable(part["unit_id"], "unit_id") if "unit_id" in part.columns else None
        summary = [r if r else b for b, r in zip(props["band"], props.get("reason", [None] * len(part)))]
        if key == "demand_empty":  # a folded line under a gap or grid says it: 居民单元 C04-0073 · 无住户
            summary = [st.text(lang, "no_homes_short")] * len(part)
        sub = props.pop("community", None)  # the community heads the popup, not a row
        fields = [f for f in fields if f[0] != "community"]
        props.update(head_props(len(part), title=uid, sub=sub, summary=summary))
        if key == "demand_covered":
            styles = [{"color": colours[b], "weight": 0.5, "fillColor": colours[b], "fillOpacity": st.COVERED_OPACITY,
                       "radius": 3} for b in band_list]
            index = [band_list.index(b) for b in raw]
        elif key == "demand_empty":  # (map.js spHatch: an SVG or canvas pattern of `hatch` over the fill)
            styles = [{"color": HATCH, "weight": 0.5, "fillColor": st.NO_HOMES_COLOUR, "hatch": HATCH,
                       "fillOpacity": st.NO_HOMES_OPACITY, "radius": 2.5}]
            index = None
        else:
            styles = [{"color": c, "weight": 0.5, "fillColor": c, "fillOpacity": st.UNCOVERED_OPACITY, "radius": 3.5}
                      for c in (st.BEYOND_COLOUR, st.UNREACHABLE_COLOUR)]
            index = (raw == "unreachable").astype(int).to_numpy()
        add_layer(m, part, key, name=st.text(lang, key), kind="kind_unit", props=props, fields=fields,
                   styles=styles, style_index=index, state=state, report=report)


def demand_rows(lang, demand, band_list, colours, households_col, gaps) -> list[tuple]:
    """The coverage legend's rows, as drawn: the bands, beyond and unreachable, units with no homes
    (hatched, when there are any), the gaps (a dashed line, when drawn) and the stations (a dot)."""
    rows = [(st.faded(colours[b], st.COVERED_OPACITY), st.band_reach(lang, b)) for b in band_list]
    rows += [(st.faded(c, st.UNCOVERED_OPACITY), st.text(lang, k))
             for c, k in ((st.BEYOND_COLOUR, "beyond"), (st.UNREACHABLE_COLOUR, "unreachable"))]
    if no_homes(demand, households_col).any():
        rows.append((st.faded(st.NO_HOMES_COLOUR, st.NO_HOMES_OPACITY), st.text(lang, "no_homes"), "hatch"))
    if gaps is not None and len(gaps):  # no swatch for a layer that is not drawn
        rows.append((st.GAP_COLOUR, st.gaps_name(lang, gaps), "dash"))  # drawn as dashed outlines
    rows.append((st.STATION_COLOUR, st.text(lang, "stations"), "point"))
    return rows


def fill_rows(frame, lang: str, props: dict, fields: list, **named) -> None:
    """Popup rows of the siting's figures (:func:`spatial.maps._fills.fill_fields`, ``named``: how the
    map names the gaps and the sites): a site's households newly within each band and the gaps it
    fills, a gap's sites (无新站可达 where none reaches it) and the households they bring within the
    band; columns absent are skipped."""
    from spatial.maps._fills import fill_fields

    values, labels = fill_fields(frame, lang, **named)
    for c, said in values.items():
        props[c] = said
        fields.append((c, labels[c], ""))


def gaps(m, state, lang, report, gaps, households_col, sites=None) -> None:
    from spatial.maps._fills import gap_names, site_names_by_id, unfilled_note

    g = gap_notes(gaps.sort_values("rank") if "rank" in gaps.columns else gaps, lang)
    cols = [c if c != "households" else households_col for c in GAP_FIELDS]
    props, fields = popup_props(g, cols, lang, names=state["names"])
    # which new sites reach it, by their titles on the map (建议新站 1); the sites' popups name the gaps as it labels them
    fill_rows(g, lang, props, fields, sites_named=site_names_by_id(sites, lang))
    state["gap_names"] = gap_names(g)
    state["gaps_unfilled"] = unfilled_note(g, households_col, lang)  # the ranked gaps no site reaches: a legend line
    ranks = jsonable(g["rank"], "rank") if "rank" in g.columns else [None] * len(g)
    gid = jsonable(g["gap_id"], "gap_id") if "gap_id" in g.columns else None
    hh = props.get(households_col, [None] * len(g))
    # named as the KMZ names it (盲区 #1); one without a rank by its id, so no id below the name
    props.update(head_props(
        len(g), title=st.feature_names(lang, "gap", ranks, gid or [None] * len(g)),
        # its cause beside its households: the line shown folded under a home tapped in the gap says why
        summary=[" · ".join(x for x in (None if h is None else st.text(lang, "households_n", n=h), c) if x) or None
                 for h, c in zip(hh, props.get("cause", [None] * len(g)))],
        ids=[None if r is None else t for r, t in zip(ranks, id_texts(lang, "ids_gap", gid))] if gid else None))
    # a permanent label for the ten largest gaps; every gap has its popup
    props["_label"] = [None if k >= GAP_LABELS else st.gap_label(r) for k, r in enumerate(ranks)]
    add_layer(m, g, "gaps", name=st.gaps_name(lang, g), kind="kind_gap", props=props, fields=fields,
               state=state, report=report, label="_label",
               styles=[{"color": st.GAP_COLOUR, "weight": 2.5, "dashArray": "5 3",
                        "fillColor": st.GAP_COLOUR, "fillOpacity": 0.08, "radius": 8}])


def stations(m, stations, state, lang, report, name_col) -> None:
    stations = typed_stations(stations)
    props, fields = popup_props(stations, STATION_FIELDS, lang, names=state["names"])
    props.update(area_words(stations, props, lang, area_col="floor_area_m2"))  # a blank area: 未填, not 0
    # a station's reason is why it serves nobody, not why it is "not covered" (a home's)
    fields = [(c, st.field_label(lang, "station_reason") if c == "reason" else label, hint)
              for c, label, hint in fields]
    names = jsonable(stations[name_col], name_col)
    sid = jsonable(stations["station_id"], "station_id") if "station_id" in stations.columns else None
    props[name_col] = names
    # names and ids may be read as numbers (station 101): the search list joins them as text
    props["_search"] = [" · ".join(str(x) for x in (n, i) if x is not None and str(x).strip())
                        for n, i in zip(names, sid or [None] * len(names))]
    titles = [n if n is not None and str(n).strip() else (None if i is None else st.text(lang, "station_no_name", id=i))
              for n, i in zip(names, sid or [None] * len(names))]  # a station without a name goes by its id
    props.update(head_props(len(stations), title=titles, summary=props.get("type"),
                            ids=id_texts(lang, "ids_station", sid) if sid else None))
    kind = stations["type"].astype(str).to_numpy() if "type" in stations.columns else np.array([""] * len(stations))
    styles = [{"color": "#ffffff", "weight": 2.5, "fillColor": st.STATION_COLOUR, "fillOpacity": 1, "radius": r}
              for r in (8, 10)]
    centre = np.array([k.endswith("中心") for k in kind], dtype=int)  # 中心, 党群服务中心: drawn larger than a 站
    off = off_network(stations)
    layer = add_layer(m, stations, "stations", name=st.text(lang, "stations"), kind="kind_station",
                       props=props, fields=fields, styles=styles, style_index=centre,
                       state=state, report=report, tooltip_field=name_col, interactive=True, obstacle=True,
                       fit=not off.any())
    if off.any() and not off.all():
        # a station no walk reaches (a typo, a station of the next 街道) is drawn and named in the report,
        # but the first view fits the stations that serve the area: one 2 km off shrank the town on a phone
        state["bounds"].append(shapely.total_bounds(display_geometry(stations[~off], "stations", state["gcj02"])))
    if len(stations):
        StationSearch(layer, search_label="_search", lang=lang).add_to(m)


def typed_stations(stations, id_col: str | None = None):
    """The stations with their id as ``station_id``, type (中心 / 站) as ``type`` and floor area as
    ``floor_area_m2``, from ``id_col`` or the columns offices name 站点编号 (编号, 序号 ...), 类型
    (站点类型, 类别) and 建筑面积 (面积（㎡） ...): the station-load sheet listed them, the popups,
    the dots and the KMZ did not (a list headed 站点编号 gave no id line to tap or search)."""
    from spatial.io._figures import station_type_column
    from spatial.io.columns import find_column

    if "station_id" not in stations.columns:
        ids = find_column(stations, "station_id", given=id_col, layer="stations", required=False)
        if ids is not None:
            stations = stations.assign(station_id=stations[ids])
    col = station_type_column(stations)
    if col not in (None, "type"):
        stations = stations.assign(type=stations[col])
    area = find_column(stations, "floor_area", layer="stations", required=False)
    if area not in (None, "floor_area_m2"):
        stations = stations.assign(floor_area_m2=stations[area])
    return stations


def sites(m, state, lang, report, sites) -> None:
    require_crs(sites, "sites")
    sites, notes = sites_at_speed(sites, state, lang, report)  # gains of another speed than the map's: left out
    s = sites.sort_values("rank") if "rank" in sites.columns else sites
    props, fields = popup_props(s, SITE_FIELDS, lang, names=state["names"])
    within = st.site_labels(lang, s)  # the band the gains are counted within, beside a table of every band
    fields = [(c, within.get(c, label), hint) for c, label, hint in fields]
    # the households it brings within 5, 10 and 15 minutes (the band sited for is the gain above: not
    # twice), and the gaps it fills as the map labels them (#1)
    fill_rows(s, lang, props, fields, gaps_named=state.get("gap_names"))
    if state.get("gaps_unfilled"):  # and the gaps none of them reaches
        notes = [*notes, state["gaps_unfilled"]]
    ranks = jsonable(s["rank"], "rank") if "rank" in s.columns else [None] * len(s)
    sid = jsonable(s["site_id"], "site_id") if "site_id" in s.columns else [None] * len(s)
    cand = jsonable(s["candidate_id"], "candidate_id") if "candidate_id" in s.columns else [None] * len(s)
    gain = props.get("gain_households", [None] * len(s))
    # where to find the spot: WGS84 degrees to 6 decimals (about 0.1 m), as GPS and survey apps read them
    where = shapely.point_on_surface(s.to_crs(4326).geometry.values)
    for col, values in (("lon", shapely.get_x(where)), ("lat", shapely.get_y(where))):
        props[col] = [f"{v:.6f}" if np.isfinite(v) else None for v in values]
        fields.append(st.field(lang, col))
    ids = [" · ".join(x for x in (None if a is None else st.text(lang, "ids_site", id=a),
                                  None if c is None else st.text(lang, "ids_candidate", id=c)) if x) or None
           for a, c in zip(sid, cand)]
    props.update(head_props(
        len(s), title=st.feature_names(lang, "site", ranks, sid, st.site_names(s)),  # as the KMZ (建议新站 1)
        summary=[None if g is None else st.text(lang, "gain", n=g) for g in gain], ids=ids))
    props["_label"] = [st.site_label(r) for r in ranks]
    add_layer(m, s, "sites", name=st.text(lang, "sites"), kind="kind_site", props=props, fields=fields,
               state=state, report=report, label="_label", interactive=True,
               styles=[{"color": "#000000", "weight": 2, "fillColor": st.SITE_COLOUR,
                        "fillOpacity": 1, "radius": 10}])
    # what each site adds, beside its number, without a tap on each (the popups say it too)
    BoxControl(st.legend_html(st.text(lang, "sites"), [(st.SITE_COLOUR, st.text(lang, "sites_note"), "point")],
                              notes) + (site_table(s, lang) or "")).add_to(m)
