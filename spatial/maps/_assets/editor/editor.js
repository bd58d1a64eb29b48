/* spatial grid editor (网格在线调整): move units between grids with live totals, offline.
 *
 * Reads the JSON in <script id="sp-editor-data">: units (ids, grid index, households, population,
 * locked, gated group, delta-encoded polygons, a point inside each), grids (ids, colours), the
 * units' rook adjacency as CSR (computed in Python with the grids engine's rule) and optional
 * community outlines. Keeps per-grid totals and contiguity (BFS over a grid's units) up to date
 * on every move; undo/redo; change list; CSV/GeoJSON export; edits kept in localStorage.
 * Script interface: window.spatialGridEditor.
 */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("sp-editor-data").textContent);
  var T = D.text;
  var U = D.units, N = U.id.length, G0 = D.grids.id.length, G = G0;
  var CAP = G0 + 200;  // grids a planner may add (新建网格) in one session
  var LO = D.band[0], HI = D.band[1];
  var gridOf = new Int32Array(N), orig = new Int32Array(N);
  var hh = U.hh, pop = U.pop, locked = U.locked, group = U.group;
  var origLocked = locked ? locked.slice() : null;  // 锁定网格 may lock more; 恢复原方案 gives these back
  var CM = U.comm || null, RULE = D.rule || null;  // community of each unit; the rule near the mean (%)
  var ptr = D.adj.ptr, nbr = D.adj.idx;
  var gridIndex = {}, unitIndex = {};
  var i, g;
  for (i = 0; i < N; i++) { gridOf[i] = U.grid[i]; orig[i] = U.grid[i]; unitIndex[String(U.id[i])] = i; }
  for (g = 0; g < G; g++) { gridIndex[String(D.grids.id[g])] = g; }
  var groups = {};
  if (group) { for (i = 0; i < N; i++) { if (group[i] >= 0) { (groups[group[i]] = groups[group[i]] || []).push(i); } } }

  // ------------------------------------------------------------------ per-grid state
  var gh = new Float64Array(CAP), gp = new Float64Array(CAP), gn = new Int32Array(CAP), comps = new Int32Array(CAP);
  // each grid's buildings, for its 楼栋长; a unit with households is one building when the units have no
  // buildings column, as spatial grids counts them
  var BLD = U.bld || null, gb = new Float64Array(CAP), STAFF = D.staff;
  function bldOf(u) { return BLD ? BLD[u] : (hh[u] > 0 ? 1 : 0); }
  var members = [];
  for (g = 0; g < G; g++) { members.push(new Set()); }
  for (i = 0; i < N; i++) { if (gridOf[i] >= 0) { add(i, gridOf[i]); } }
  function add(u, g) { gh[g] += hh[u]; gb[g] += bldOf(u); if (pop) { gp[g] += pop[u]; } gn[g] += 1; members[g].add(u); }
  function remove(u, g) {
    gh[g] -= hh[u]; gb[g] -= bldOf(u); if (pop) { gp[g] -= pop[u]; } gn[g] -= 1; members[g].delete(u);
    // an emptied grid holds nothing: the float sums' leftovers read '-0' people on a grid merged away
    if (gn[g] === 0) { gh[g] = 0; gb[g] = 0; gp[g] = 0; }
  }
  // ceil(count / per lead), as spatial.grids.workforce.household_leads (its float noise rounded away)
  function leads(x, per) { return Math.ceil(Math.round(round(x) / per * 1e9) / 1e9); }
  function staffOf(g) {  // the grid's staff as the grids layer gives it (spatial.grids.workforce.staffing)
    var held = gn[g] > 0;
    return {full_time_workers: held ? STAFF.full_time : 0, part_time_workers: held ? STAFF.part_time : 0,
      n_buildings: round(gb[g]), building_leads: leads(gb[g], STAFF.per_building_lead),
      household_leads: leads(gh[g], STAFF.per_household_lead)};
  }
  var mark = new Int32Array(N), stamp = 0, stack = new Int32Array(N);
  function countComponents(g) {
    stamp += 1;
    var count = 0;
    members[g].forEach(function (s) {
      if (mark[s] === stamp) { return; }
      count += 1; mark[s] = stamp;
      var top = 0; stack[top++] = s;
      while (top > 0) {
        var x = stack[--top];
        for (var k = ptr[x]; k < ptr[x + 1]; k++) {
          var y = nbr[k];
          if (mark[y] !== stamp && gridOf[y] === g) { mark[y] = stamp; stack[top++] = y; }
        }
      }
    });
    return count;
  }
  for (g = 0; g < G; g++) { comps[g] = countComponents(g); }

  // what forces a grid out of the band whatever the plan: the units' land (pieces of a community
  // sharing no edge with its rest, and their households), the community's households, a unit or
  // a gated estate over the maximum on its own
  var piece = new Int32Array(N).fill(-1), pieceHH = [], pieceN = [], commHH = {}, groupHH = {};
  for (i = 0; i < N; i++) {
    var c0 = CM ? CM[i] : 0;
    commHH[c0] = (commHH[c0] || 0) + hh[i];
    if (group && group[i] >= 0) { groupHH[group[i]] = (groupHH[group[i]] || 0) + hh[i]; }
    if (piece[i] >= 0) { continue; }
    var p0 = pieceHH.length, top = 0, sum = 0, cnt = 0;
    piece[i] = p0; stack[top++] = i;
    while (top > 0) {
      var x = stack[--top];
      sum += hh[x]; cnt += 1;
      for (var k = ptr[x]; k < ptr[x + 1]; k++) {
        var y = nbr[k];
        if (piece[y] < 0 && (!CM || CM[y] === CM[x])) { piece[y] = p0; stack[top++] = y; }
      }
    }
    pieceHH.push(sum); pieceN.push(cnt);
  }
  function why(g) {  // [short chip text, the sentence behind it] or null
    var b = band(g), it = members[g].values().next();
    if (it.done) { return null; }
    if (b === "in") { return far(g) ? uneven(g) : null; }
    var u0 = it.value, c = CM ? CM[u0] : 0, biggest = -1, estate = -1;
    if (b === "under") {
      if (round(commHH[c]) < LO) { return [fmt(T.why_comm, {n: num(commHH[c])}), fmt(T.why_comm_long, {n: num(commHH[c]), lo: num(LO)})]; }
      var same = true;
      members[g].forEach(function (u) { if (piece[u] !== piece[u0]) { same = false; } });
      var ph = pieceHH[piece[u0]];
      if (same && round(ph) < LO && round(ph) < round(commHH[c])) {
        return [fmt(T.why_cut, {n: num(ph)}), fmt(T.why_cut_long, {k: pieceN[piece[u0]], n: num(ph), lo: num(LO)})];
      }
      return null;
    }
    members[g].forEach(function (u) {
      if (biggest < 0 || hh[u] > hh[biggest]) { biggest = u; }
      if (group && group[u] >= 0 && (estate < 0 || groupHH[group[u]] > groupHH[estate])) { estate = group[u]; }
    });
    if (round(hh[biggest]) > HI) { return [fmt(T.why_unit, {n: num(hh[biggest])}), fmt(T.why_unit_long, {id: U.id[biggest], n: num(hh[biggest]), hi: num(HI)})]; }
    if (estate >= 0 && round(groupHH[estate]) > HI) {
      return [fmt(T.why_estate, {n: num(groupHH[estate])}), fmt(T.why_estate_long, {n: num(groupHH[estate]), hi: num(HI)})];
    }
    return null;
  }
  // a grid off the rule holding a unit or an estate that no grid within the rule round its
  // community's mean grid can hold (spatial grids' proof, hemmed_in): over its top alone, or under
  // its floor with all the lighter units it could join and over its top with any heavier one
  var groupUnits = {};
  for (i = 0; group && i < N; i++) {
    if (group[i] >= 0) { (groupUnits[group[i]] = groupUnits[group[i]] || []).push(i); }
  }
  function nodeOf(u) { return group && group[u] >= 0 ? groupUnits[group[u]] : [u]; }
  function nodeHH(u) { return group && group[u] >= 0 ? groupHH[group[u]] : hh[u]; }
  function hemmed(u, lo, hi) {
    var h0 = round(nodeHH(u));
    if (h0 > hi) { return true; }
    if (!(h0 > 0) || h0 >= lo) { return false; }
    var room = hi - h0, total = h0, seen = new Set(nodeOf(u)), todo = nodeOf(u).slice(), c = CM ? CM[u] : 0;
    while (todo.length && total < lo && seen.size <= 200) {  // (a search cut short proves nothing)
      var x = todo.pop();
      for (var k = ptr[x]; k < ptr[x + 1]; k++) {
        var y = nbr[k];
        if (seen.has(y) || (CM && CM[y] !== c) || round(nodeHH(y)) > room) { continue; }
        nodeOf(y).forEach(function (z) { seen.add(z); todo.push(z); });
        total += nodeHH(y);
      }
    }
    return round(total) < lo && !todo.length;
  }
  function uneven(g) {  // [chip, sentence] or null
    var mean = means[gridPiece[g]];
    if (!(mean > 0)) { return null; }
    var lo = mean * (1 - RULE / 100), hi = mean * (1 + RULE / 100), best = -1, tried = new Set();
    members[g].forEach(function (u) {  // (an estate tried once, from its first unit)
      var first = nodeOf(u)[0];
      if (tried.has(first)) { return; }
      tried.add(first);
      if ((best < 0 || nodeHH(u) > nodeHH(best)) && hemmed(u, lo, hi)) { best = u; }
    });
    if (best < 0) { return null; }
    var them = nodeOf(best), h = nodeHH(best), one = them.length === 1;
    var ids = them.slice(0, 6).map(function (u) { return U.id[u]; }).join(T.list_sep) +
      (them.length > 6 ? "\u2026" : "");
    var v = {n: num(h), ids: ids, k: them.length, p: RULE, least: num(Math.ceil(lo - 1e-9)),
      most: num(Math.floor(hi + 1e-9)), room: num(Math.floor(hi + 1e-9) - h)};
    var long = fmt(one ? T.uneven_unit_long : T.uneven_estate_long, v) +
      fmt(h > hi ? T.uneven_over : T.uneven_hemmed, v) + fmt(T.uneven_action, v);
    return [fmt(one ? T.uneven_unit : T.uneven_estate, v), long];
  }
  function band(g) { var h = round(gh[g]); return h < LO ? "under" : (h > HI ? "over" : "in"); }
  function round(x) { return Math.round(x * 1e6) / 1e6; }
  // (an empty grid, new or merged away, is listed as such: with a band from 0 it is not under it)
  function flagged(g) { return gn[g] === 0 || comps[g] > 1 || band(g) !== "in" || far(g) || mixed[g] > 1 || !!splitOf[g]; }

  // gated estates whose units lie in more than one grid (or some in none): a plan read from old
  // grid outlines or a table can cut one, which no move here does (an estate moves whole, so one
  // click on any of its units joins it); spatial grids --evaluate names them too
  var splitOf = [], splitList = [];  // per grid: the split estates with a unit in it; [estate, its grids]
  function refreshSplits() {
    splitOf = new Array(G); splitList = [];
    if (!group) { return; }
    Object.keys(groups).forEach(function (k) {
      var seen = [];
      groups[k].forEach(function (u) { if (seen.indexOf(gridOf[u]) < 0) { seen.push(gridOf[u]); } });
      if (seen.length < 2) { return; }
      splitList.push([Number(k), seen]);
      seen.forEach(function (g) { if (g >= 0) { (splitOf[g] = splitOf[g] || []).push(Number(k)); } });
    });
  }
  function estateName(k) { return U.group_ids ? String(U.group_ids[k]) : String(k); }
  function idList(ids, most) {  // "a, b, c" (the first few, then "...")
    return ids.slice(0, most).join(T.list_sep) + (ids.length > most ? T.list_more : "");
  }
  function estateParts(k) {  // C1-01 (a1), C1-02 (b1): each grid of a split estate with its units there
    var by = new Map();
    groups[k].forEach(function (u) { var g = gridOf[u]; if (!by.has(g)) { by.set(g, []); } by.get(g).push(String(U.id[u])); });
    var out = [];
    by.forEach(function (ids, g) {
      out.push((g >= 0 ? String(D.grids.id[g]) : T.no_grid) + (D.lang === "zh" ? "（" : " (") + idList(ids, 3) +
        (D.lang === "zh" ? "）" : ")"));
    });
    return out.join(T.list_sep);
  }
  function splitWhy(g) {  // [chip, sentence] for a grid holding part of a split estate, or null
    var ks = splitOf[g];
    if (!ks) { return null; }
    var most = 0;
    ks.forEach(function (k) { splitList.forEach(function (s) { if (s[0] === k) { most = Math.max(most, s[1].length); } }); });
    return [fmt(T.estate_split, {n: most}), ks.map(function (k) {
      return fmt(T.estate_split_long, {name: estateName(k), parts: estateParts(k)});
    }).join(D.lang === "zh" ? "。" : ". ")];
  }
  function noGrid() { var out = []; for (var u = 0; u < N; u++) { if (gridOf[u] < 0) { out.push(String(U.id[u])); } } return out; }
  // what an export leaves open, said when exporting: nothing is written with it unsaid
  function problems() {
    refreshMeans();
    var pieces = [];
    for (var g = 0; g < G; g++) { if (comps[g] > 1) { pieces.push(String(D.grids.id[g])); } }
    return {pieces: pieces, no_grid: noGrid(), split_estates: splitList.map(function (s) {
      return {estate: estateName(s[0]), grids: s[1].map(function (g) { return g >= 0 ? String(D.grids.id[g]) : null; })};
    })};
  }
  function exportNote(name) {
    var p = problems(), what = [];
    if (p.pieces.length) { what.push(fmt(T.open_pieces, {k: p.pieces.length, ids: idList(p.pieces, 5)})); }
    if (p.no_grid.length) { what.push(fmt(T.open_no_grid, {k: p.no_grid.length, ids: idList(p.no_grid, 5)})); }
    if (p.split_estates.length) {
      what.push(fmt(T.open_split, {k: p.split_estates.length,
        ids: idList(p.split_estates.map(function (e) { return e.estate; }), 5)}));
    }
    return what.length ? fmt(T.export_open, {name: name, what: what.join(T.open_sep)}) : "";
  }

  // deviation from the mean grid of the grid's community: households of its grids / their number
  // (of its piece, where the community's units fall into pieces that share no edge: grids of one
  // community whose units are neighbours are one piece, as spatial grids measures an island's grids)
  var means = {}, gridPiece = [];  // (not the units' `piece` above)
  // a grid's community is the one holding most of its households, as spatial grids --evaluate
  // scores it; a grid holding units of several (a move across the community line) is flagged
  var gridComm = [], mixed = [];
  function commOf(g) { return gridComm[g]; }
  function refreshMeans() {
    var total = {}, count = {};
    gridComm = new Array(G).fill(-1); mixed = new Array(G).fill(0);
    for (var g = 0; g < G; g++) {
      if (gn[g] === 0) { continue; }
      if (CM) {
        var by = new Map(), best = -1, most = -1;
        members[g].forEach(function (u) { by.set(CM[u], (by.get(CM[u]) || 0) + hh[u]); });
        by.forEach(function (h, k) { if (h > most) { most = h; best = k; } });
        gridComm[g] = best; mixed[g] = by.size;
      } else { gridComm[g] = 0; mixed[g] = 1; }
    }
    var root = [];
    for (g = 0; g < G; g++) { root.push(g); }
    function find(x) { while (root[x] !== x) { root[x] = root[root[x]]; x = root[x]; } return x; }
    for (var u = 0; u < N; u++) {
      var a = gridOf[u];
      if (a < 0 || gn[a] === 0) { continue; }
      for (var e = ptr[u]; e < ptr[u + 1]; e++) {
        var b = gridOf[nbr[e]];
        if (b >= 0 && b !== a && gridComm[b] === gridComm[a]) { root[find(a)] = find(b); }
      }
    }
    gridPiece = new Array(G);
    for (g = 0; g < G; g++) {
      if (gn[g] === 0) { continue; }
      var c = gridPiece[g] = gridComm[g] + "#" + find(g);
      total[c] = (total[c] || 0) + gh[g];
      count[c] = (count[c] || 0) + 1;
    }
    means = {};
    Object.keys(count).forEach(function (c) { means[c] = total[c] / count[c]; });
    refreshSplits();
  }
  function deviation(g) {
    var m = gn[g] > 0 ? means[gridPiece[g]] : undefined;
    return m > 0 ? 100 * (gh[g] - m) / m : null;
  }
  function far(g) { var d = RULE ? deviation(g) : null; return d !== null && Math.abs(d) > RULE + 1e-9; }

  // ------------------------------------------------------------------ map
  var map = L.map("sp-map", {preferCanvas: true, zoomControl: false, boxZoom: false, attributionControl: true,
    zoomSnap: 0.25, zoomDelta: 0.5});
  // the zoom buttons named in the page's language (Leaflet's own say 'Zoom in' on a Chinese page)
  L.control.zoom({zoomInTitle: T.zoom_in, zoomOutTitle: T.zoom_out}).addTo(map);
  var renderer = L.canvas({padding: 0.3, tolerance: 3});
  map.attributionControl.setPrefix(false);
  if (D.attribution) { map.attributionControl.addAttribution(D.attribution); }
  var S = D.scale;
  function ring(flat) {
    var out = new Array(flat.length / 2), x = D.x0, y = D.y0;
    for (var k = 0; k < flat.length; k += 2) { x += flat[k]; y += flat[k + 1]; out[k / 2] = [y / S, x / S]; }
    return out;
  }
  function decode(polys) { return polys.map(function (p) { return p.map(ring); }); }
  var layers = new Array(N), active = -1, mode = "pick";
  var bounds = L.latLngBounds([[D.bounds[1], D.bounds[0]], [D.bounds[3], D.bounds[2]]]);
  for (i = 0; i < N; i++) {
    var lyr = L.polygon(decode(U.geom[i]), {renderer: renderer, smoothFactor: 0.5});
    lyr._spUnit = i;
    lyr.on("click", onUnitClick);
    layers[i] = lyr;
    lyr.addTo(map);
  }
  // grid borders: one polyline per grid holding its shared edges with units of other grids (so a
  // move redraws only the grids it touches); the current grid's is drawn thick and blue
  var BI = D.borders.i, BJ = D.borders.j, BL = D.borders.lines.map(function (ls) { return ls.map(ring); });
  var pairAt = new Int32Array(nbr.length).fill(-1), pairKey = new Map();
  for (var p = 0; p < BI.length; p++) { pairKey.set(BI[p] * N + BJ[p], p); }
  for (i = 0; i < N; i++) {
    for (var k0 = ptr[i]; k0 < ptr[i + 1]; k0++) {
      var v0 = nbr[k0], q0 = pairKey.get(Math.min(i, v0) * N + Math.max(i, v0));
      if (q0 !== undefined) { pairAt[k0] = q0; }
    }
  }
  pairKey = null;
  var BORDER = {color: "#262626", weight: 1.8, opacity: 0.95}, ACTIVE = {color: "#0b3c8c", weight: 4, opacity: 0.9};
  // the outline of its units no other unit shares (the town's edge, a community line with no unit
  // across): the current grid's outline is these with its borders, not its borders alone
  // (1: the whole outline, a footprint with no unit beside it: its own rings)
  var FREE = (D.free || []).map(function (ls, u) {
    return ls === 1 ? [].concat.apply([], U.geom[u].map(function (p) { return p.map(ring); })) : ls.map(ring);
  });
  function borderOf(g) {
    var out = [];
    members[g].forEach(function (u) {
      for (var k = ptr[u]; k < ptr[u + 1]; k++) {
        if (gridOf[nbr[k]] !== g && pairAt[k] >= 0) { Array.prototype.push.apply(out, BL[pairAt[k]]); }
      }
    });
    return out;
  }
  var borderGroup = L.layerGroup().addTo(map), borders = [];
  for (g = 0; g < G; g++) {
    borders[g] = L.polyline(borderOf(g), L.extend({renderer: renderer, interactive: false}, BORDER));
    borderGroup.addLayer(borders[g]);
  }
  function drawBorders(grids) { grids.forEach(function (g) { borders[g].setLatLngs(borderOf(g)); }); }
  var outline = L.polyline([], L.extend({renderer: renderer, interactive: false}, ACTIVE));
  borderGroup.addLayer(outline);
  function outlineOf(g) {  // a grid's whole outline: its borders with other grids and its free edges
    var out = borderOf(g);
    members[g].forEach(function (u) { if (FREE[u] && FREE[u].length) { Array.prototype.push.apply(out, FREE[u]); } });
    return out;
  }
  function drawOutline() {  // the current grid's whole outline, thick and blue, over the borders
    outline.setLatLngs(active >= 0 ? outlineOf(active) : []);
    if (map.hasLayer(outline)) { outline.bringToFront(); }
  }
  // each grid's id on the map, at the inside point of its unit nearest the middle of its units' inside
  // points (so on the grid, in one of its pieces); a planner on a phone, with no hover, sees which grid
  // is which. A flagged grid's id is framed in red. Where ids would overlap, the current grid's stays, then
  // the flagged grids', and the grid of fewer households gives way (zoom in to see it), ids a little apart
  // so that the town shows between them; the layer list turns them off. A flagged grid's id that a control
  // (the open legend on a phone) or another id covers moves to another of its units in sight: it was
  // hidden there, the grid to mend unnamed. One moved off its units (beside what covers it, or to the
  // nearest free place) is tied to its own grid: a red leader from the id to a point inside the grid
  // (the inside point of its unit nearest the id, in sight and clear of the controls, the ids and the
  // other leaders, a dot there) and the grid's outline banded pale red while it is away; with neither, a
  // phone read the neighbour under the id as the grid to mend.
  var labelGroup = L.layerGroup().addTo(map), labels = [], labelW = [], labelH = [];
  map.createPane("sp-leaders").style.pointerEvents = "none";  // (over the units' canvas, under the ids)
  map.getPane("sp-leaders").style.zIndex = 450;
  var LEAD = {pane: "sp-leaders", renderer: L.svg({pane: "sp-leaders", padding: 0.3}), interactive: false};
  // (the outline a wide pale band, not a line: a solid red line is the legend's grid in pieces)
  var leadOutline = L.polyline([], L.extend({color: "#b2182b", weight: 7, opacity: 0.3, lineJoin: "round"}, LEAD)),
    leadCase = L.polyline([], L.extend({color: "#fff", weight: 5, opacity: 0.9, lineCap: "round"}, LEAD)),
    leadLine = L.polyline([], L.extend({color: "#b2182b", weight: 2, opacity: 1}, LEAD)),
    leadDots = L.layerGroup(), leaders = [];
  labelGroup.addLayer(leadOutline).addLayer(leadCase).addLayer(leadLine).addLayer(leadDots);  // (网格编号 off: gone too)
  function labelAt(g) {
    var sx = 0, sy = 0, best = -1, bd = Infinity;
    members[g].forEach(function (u) { sx += U.pt[u][0]; sy += U.pt[u][1]; });
    sx /= gn[g]; sy /= gn[g];
    members[g].forEach(function (u) {
      var dx = U.pt[u][0] - sx, dy = U.pt[u][1] - sy, d = dx * dx + dy * dy;
      if (d < bd || (d === bd && u < best)) { bd = d; best = u; }
    });
    return [(D.y0 + U.pt[best][1]) / S, (D.x0 + U.pt[best][0]) / S];
  }
  function labelSpots(g) {  // the grid's units' inside points, nearest the middle of them first (at most 80)
    var sx = 0, sy = 0, us = [];
    members[g].forEach(function (u) { sx += U.pt[u][0]; sy += U.pt[u][1]; us.push(u); });
    sx /= gn[g]; sy /= gn[g];
    function d(u) { var dx = U.pt[u][0] - sx, dy = U.pt[u][1] - sy; return dx * dx + dy * dy; }
    us.sort(function (a, b) { return d(a) - d(b) || a - b; });
    return us.slice(0, 80).map(function (u) { return L.latLng((D.y0 + U.pt[u][1]) / S, (D.x0 + U.pt[u][0]) / S); });
  }
  function placeLabels(grids) {
    grids.forEach(function (g) {
      if (g >= G || gn[g] === 0) { dropLabel(g); return; }
      if (labels[g]) { labels[g]._spHome = L.latLng(labelAt(g)); labels[g].setLatLng(labels[g]._spHome); return; }
      labels[g] = L.marker(labelAt(g), {interactive: false, keyboard: false, icon: L.divIcon({className: "sp-glabel-at",
        iconSize: [0, 0], html: '<span class="sp-glabel">' + esc(D.grids.id[g]) + "</span>"})});
      labels[g]._spGrid = g;
      labels[g]._spHome = L.latLng(labelAt(g));
      labelW[g] = 0;
      labelGroup.addLayer(labels[g]);
    });
  }
  function dropLabel(g) { if (labels[g]) { labelGroup.removeLayer(labels[g]); labels[g] = null; } }
  // the offsets (px) a flagged id may move from its home, nearest first, every 4 px up to NEAR_PX away
  var NEAR_PX = 160, NEAR = [], TRIES = 32, CELL = 64;
  for (var ny = -NEAR_PX; ny <= NEAR_PX; ny += 4) {
    for (var nx = -NEAR_PX; nx <= NEAR_PX; nx += 4) { if (nx * nx + ny * ny <= NEAR_PX * NEAR_PX) { NEAR.push([nx, ny]); } }
  }
  NEAR.sort(function (a, b) { return a[0] * a[0] + a[1] * a[1] - b[0] * b[0] - b[1] * b[1] || a[1] - b[1] || a[0] - b[0]; });
  // does the segment (x0, y0)-(x1, y1) pass through the box centred at (cx, cy), half sizes (hw, hh)?
  function crosses(x0, y0, x1, y1, cx, cy, hw, hh) {
    var t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0, e = [-dx, dx, -dy, dy],
      f = [x0 - (cx - hw), cx + hw - x0, y0 - (cy - hh), cy + hh - y0];
    for (var k = 0; k < 4; k++) {
      if (e[k] === 0) { if (f[k] < 0) { return false; } continue; }
      var t = f[k] / e[k];
      if (e[k] < 0) { if (t > t1) { return false; } if (t > t0) { t0 = t; } } else { if (t < t0) { return false; } if (t < t1) { t1 = t; } }
    }
    return t0 <= t1;
  }
  function showLabels() {  // frame the flagged; hide those that would overlap a grid with more households
    leaders = [];
    if (!map.hasLayer(labelGroup)) { return; }
    var order = [], shown = [], ctl = [], bins = new Map();
    for (var g = 0; g < G; g++) {
      var el = labels[g] && labels[g].getElement();
      if (!el) { continue; }
      var cls = "sp-glabel" + (flagged(g) ? " sp-glabel-flag" : "");
      if (el.firstChild.className !== cls) { el.firstChild.className = cls; labelW[g] = 0; }  // (its frame: measured again)
      order.push(g);
    }
    // (widths read after every class is set: one layout, not one a label; a flagged id's frame is wider)
    order.forEach(function (g) {
      if (!labelW[g]) { var s = labels[g].getElement().firstChild; labelW[g] = s.offsetWidth + 4; labelH[g] = s.offsetHeight; }
    });
    // the map's controls (the open legend, the layer button, zoom, scale, credits) as boxes an id keeps
    // clear of, in the ids' layer pixels: an id under the open legend was hidden there, its grid unnamed
    var at = map.containerPointToLayerPoint([0, 0]), mapBox = map.getContainer().getBoundingClientRect();
    Array.prototype.forEach.call(map.getContainer().querySelectorAll(".leaflet-control"), function (c) {
      var r = c.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        ctl.push([at.x + r.left - mapBox.left + r.width / 2, at.y + r.top - mapBox.top + r.height / 2, r.width / 2, r.height / 2]);
      }
    });
    ctl.forEach(function (c) { c.ctl = true; keep(c); });  // (a leader into a grid the controls cover crosses them)
    var size = map.getSize();
    // what an id keeps clear of: boxes [x, y, half width, half height] (the controls, the ids with their
    // spacing, the leaders' dots) and leaders [x0, y0, x1, y1, and their bounds], in bins of CELL px (an id
    // is checked against those near it, not all)
    function keep(it) {
      var x0 = it.length === 4 ? it[0] - it[2] : it[4], y0 = it.length === 4 ? it[1] - it[3] : it[5],
        x1 = it.length === 4 ? it[0] + it[2] : it[6], y1 = it.length === 4 ? it[1] + it[3] : it[7];
      if (it.length === 4) { shown.push(it); }
      for (var cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
        for (var cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
          var key = cx * 1e6 + cy, bin = bins.get(key);
          if (bin) { bin.push(it); } else { bins.set(key, [it]); }
        }
      }
    }
    function isFree(p, w, h) {  // (16 px apart side by side, 14 one over another, framed or not; 3 px off a leader)
      for (var cx = Math.floor((p.x - w) / CELL); cx <= Math.floor((p.x + w) / CELL); cx++) {
        for (var cy = Math.floor((p.y - h) / CELL); cy <= Math.floor((p.y + h) / CELL); cy++) {
          var bin = bins.get(cx * 1e6 + cy);
          for (var k = 0; bin && k < bin.length; k++) {
            var q = bin[k];
            if (q.length === 4) {
              if (Math.abs(p.x - q[0]) < w + q[2] && Math.abs(p.y - q[1]) < h + q[3]) { return false; }
            } else if (!(p.x + w < q[4] || p.x - w > q[6] || p.y + h < q[5] || p.y - h > q[7]) &&
              crosses(q[0], q[1], q[2], q[3], p.x, p.y, w - 5, h - 4)) { return false; }
          }
        }
      }
      return true;
    }
    function inSight(p, w, h) {
      return p.x - w >= at.x && p.y - h >= at.y && p.x + w <= at.x + size.x && p.y + h <= at.y + size.y;
    }
    function underCtl(q, m) {
      for (var k = 0; k < ctl.length; k++) {
        var c = ctl[k];
        if (Math.abs(q.x - c[0]) < c[2] + m && Math.abs(q.y - c[1]) < c[3] + m) { return true; }
      }
      return false;
    }
    function inRing(x, y, r) {  // (even-odd, as the canvas fills a unit with holes)
      var inside = false;
      for (var k = 0, j = r.length - 1; k < r.length; j = k++) {
        if ((r[k].y > y) !== (r[j].y > y) && x < (r[j].x - r[k].x) * (y - r[k].y) / (r[j].y - r[k].y) + r[k].x) { inside = !inside; }
      }
      return inside;
    }
    // the points inside grid g a leader may end at (layer px), each worked out once a drawing: its units'
    // inside points in sight and off the controls (ptsOf); points 3 px or more inside its units' outlines,
    // in sight and off the controls, every 2 px (at most 60: samplesOf), where the controls or the ids cover
    // those (a grid in the corner the open legend covers on a phone, its few units under another's id); and
    // the inside points under the controls (hiddenOf), for a grid the controls cover whole
    var pts = {}, samples = {};
    function pointOf(u) {
      var ll = L.latLng((D.y0 + U.pt[u][1]) / S, (D.x0 + U.pt[u][0]) / S);
      return {u: u, ll: ll, q: map.latLngToLayerPoint(ll)};
    }
    function ptsOf(g) {
      if (!pts[g]) {
        pts[g] = [];
        members[g].forEach(function (u) { var e = pointOf(u); if (inSight(e.q, 6, 6) && !underCtl(e.q, 6)) { pts[g].push(e); } });
      }
      return pts[g];
    }
    function hiddenOf(g) {
      var out = [];
      members[g].forEach(function (u) { var e = pointOf(u); if (inSight(e.q, 0, 0)) { e.hidden = true; out.push(e); } });
      return out;
    }
    function samplesOf(g) {
      if (samples[g]) { return samples[g]; }
      var out = [], view = L.bounds(at, at.add(size));
      members[g].forEach(function (u) {
        var b0 = layers[u].getBounds(), lo = map.latLngToLayerPoint(b0.getNorthWest()), hi = map.latLngToLayerPoint(b0.getSouthEast());
        if (!view.intersects(L.bounds(lo, hi))) { return; }
        var rings = [];
        (function flat(a) {
          if (a.length && a[0] instanceof L.LatLng) { rings.push(a.map(function (x) { return map.latLngToLayerPoint(x); })); }
          else { a.forEach(flat); }
        })(layers[u].getLatLngs());
        function inside(x, y) { var n = 0; rings.forEach(function (r) { if (inRing(x, y, r)) { n += 1; } }); return n % 2 === 1; }
        for (var y = Math.ceil(lo.y); y <= hi.y; y += 2) {
          for (var x = Math.ceil(lo.x); x <= hi.x; x += 2) {
            var q = L.point(x, y);
            if (!inSight(q, 6, 6) || underCtl(q, 6) || !inside(x, y) || !inside(x - 3, y) || !inside(x + 3, y) ||
              !inside(x, y - 3) || !inside(x, y + 3)) { continue; }
            out.push({u: u, ll: map.layerPointToLatLng(q), q: q});
          }
        }
      });
      if (out.length > 60) { var step = out.length / 60; out = out.filter(function (e, k) { return Math.floor(k % step) === 0; }); }
      samples[g] = out;
      return out;
    }
    // does a leader from p to q keep clear of the ids and dots placed (2-3 px inside their spacing boxes),
    // the controls (but the one over a hidden end) and the other leaders?
    function clearLine(p, q, hidden) {
      for (var cx = Math.floor(Math.min(p.x, q.x) / CELL); cx <= Math.floor(Math.max(p.x, q.x) / CELL); cx++) {
        for (var cy = Math.floor(Math.min(p.y, q.y) / CELL); cy <= Math.floor(Math.max(p.y, q.y) / CELL); cy++) {
          var bin = bins.get(cx * 1e6 + cy);
          for (var k = 0; bin && k < bin.length; k++) {
            var it = bin[k];
            if (it.length !== 4) { if (meets(p, q, it)) { return false; } continue; }
            if (it.ctl && hidden) { continue; }
            if (crosses(p.x, p.y, q.x, q.y, it[0], it[1], it[2] - (it.ctl ? 0 : 2), it[3] - (it.ctl ? 0 : 3))) { return false; }
          }
        }
      }
      return true;
    }
    function nearest(cands, p, clear) {  // the candidate nearest p whose line is clear (clear false: whose end is)
      var order = cands.map(function (e) { return [(e.q.x - p.x) * (e.q.x - p.x) + (e.q.y - p.y) * (e.q.y - p.y), e]; });
      order.sort(function (a, b) { return a[0] - b[0]; });
      for (var k = 0; k < order.length; k++) {
        var q = order[k][1].q;
        if (clear ? clearLine(p, q, order[k][1].hidden) : clearLine(q, q, true)) { return order[k][1]; }
      }
      return null;
    }
    // the end of a leader from an id at p (half sizes w, h) into grid g: its point nearest the id whose line
    // is clear (clear false: the nearest whose end no id covers, else the nearest); a grid the controls cover
    // whole: the inside point of its unit nearest the id under the control, the leader running to the
    // control's edge. Null when there is none. (An end under the id itself: no leader, the id is on its grid.)
    function anchorOf(g, p, w, h, clear) {
      var e = ptsOf(g), sm = e.length ? null : samplesOf(g), list = e.length ? e : sm.length ? sm : hiddenOf(g);
      // (with no clear line: the nearest end out from under the ids, else the nearest)
      var best = nearest(list, p, clear) || (e.length ? nearest(samplesOf(g), p, clear) : null);
      if (!best && !clear && list.length) {
        best = list.reduce(function (a, b) { return a.q.distanceTo(p) <= b.q.distanceTo(p) ? a : b; });
      }
      if (best && Math.abs(best.q.x - p.x) < w - 4 && Math.abs(best.q.y - p.y) < h - 5) { best = L.extend({under: true}, best); }
      return best;
    }
    function meets(p, q, sg) {  // do two segments cross (or touch)?
      function side(ax, ay, bx, by, cx, cy) { var v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax); return v > 0 ? 1 : v < 0 ? -1 : 0; }
      return side(p.x, p.y, q.x, q.y, sg[0], sg[1]) * side(p.x, p.y, q.x, q.y, sg[2], sg[3]) <= 0 &&
        side(sg[0], sg[1], sg[2], sg[3], p.x, p.y) * side(sg[0], sg[1], sg[2], sg[3], q.x, q.y) <= 0;
    }
    // the current first, then the flagged (the grids to mend), then by households
    order.sort(function (a, b) {
      return (b === active) - (a === active) || flagged(b) - flagged(a) || gh[b] - gh[a] || a - b;
    });
    var outl = [], lines = [], dots = [];
    order.forEach(function (g) {
      var home = labels[g]._spHome, p = map.latLngToLayerPoint(home), w = labelW[g] / 2 + 6, h = labelH[g] / 2 + 7,
        free = isFree(p, w, h), spot = home, lead = null;
      if (!free && flagged(g)) {  // another of its units in sight, nearest the middle first
        var spots = labelSpots(g), q;
        for (var k = 1; k < spots.length && !free; k++) {
          q = map.latLngToLayerPoint(spots[k]);
          if (inSight(q, w, h) && isFree(q, w, h)) { free = true; p = q; spot = spots[k]; }
        }
        // off its units, tied to its grid by a leader: the first free place whose leader crosses nothing (among
        // TRIES free places 16 px or more apart: past them, the search costs more than it finds), else the
        // first free place
        var tries = 0, first = null, tried = [];
        var ok = function (q) {
          if (!inSight(q, w, h) || !isFree(q, w, h)) { return false; }
          for (var t = 0; t < tried.length; t++) {  // (a try 16 px from one that failed: the same lines, likely)
            if (Math.abs(q.x - tried[t].x) < 16 && Math.abs(q.y - tried[t].y) < 16) { return false; }
          }
          tries += 1;
          tried.push(q);
          first = first || q;
          lead = anchorOf(g, q, w, h, true);
          return lead !== null;
        };
        // every unit under a control (a grid in the corner the open legend covers) or another id: just above
        // it, or beside it, over the grid's edge
        for (var c = 0, n0 = shown.length; c < n0 && !free && tries < TRIES; c++) {
          var b = shown[c], near = [[p.x, b[1] - b[3] - h], [b[0] - b[2] - w, p.y], [b[0] + b[2] + w, p.y],
            [p.x, b[1] + b[3] + h]];
          if (Math.abs(p.x - b[0]) >= w + b[2] || Math.abs(p.y - b[1]) >= h + b[3]) { continue; }  // not this one
          for (var j = 0; j < near.length && !free && tries < TRIES; j++) {
            q = L.point(near[j][0], near[j][1]);
            if (ok(q)) { free = true; p = q; spot = map.layerPointToLatLng(q); }
          }
        }
        // still nowhere (a grid in the corner the open legend covers on a phone, its id's home at the map's
        // edge, every spot beside the legend taken by its neighbours' ids): the free place in sight nearest
        // its home, within NEAR_PX of it, so the grid to mend is never left unnamed while there is room
        var home0 = map.latLngToLayerPoint(home);
        if (!free && inSight(home0, 0, 0)) {
          for (var r = 0; r < NEAR.length && !free && tries < TRIES; r++) {
            q = L.point(home0.x + NEAR[r][0], home0.y + NEAR[r][1]);
            if (ok(q)) { free = true; p = q; spot = map.layerPointToLatLng(q); }
          }
        }
        if (!free && first) { free = true; p = first; spot = map.layerPointToLatLng(first); lead = anchorOf(g, first, w, h, false); }
      }
      if (!labels[g].getLatLng().equals(spot)) { labels[g].setLatLng(spot); }
      labels[g].getElement().style.visibility = free ? "" : "hidden";
      if (!free) { return; }
      keep([p.x, p.y, w, h]);
      if (!lead || lead.under) { return; }
      // the leader from the id's edge to the point inside its grid, a dot there, the grid's outline banded
      var dx = lead.q.x - p.x, dy = lead.q.y - p.y, t = Math.min(dx ? (labelW[g] / 2 - 2) / Math.abs(dx) : 1,
        dy ? labelH[g] / 2 / Math.abs(dy) : 1, 1), from = L.point(p.x + t * dx, p.y + t * dy);
      var fromLl = map.layerPointToLatLng(from);
      keep([from.x, from.y, lead.q.x, lead.q.y, Math.min(from.x, lead.q.x), Math.min(from.y, lead.q.y),
        Math.max(from.x, lead.q.x), Math.max(from.y, lead.q.y)]);
      lines.push([fromLl, lead.ll]);
      if (!lead.hidden) { keep([lead.q.x, lead.q.y, 4, 4]); dots.push(lead.ll); }
      if (g !== active) { Array.prototype.push.apply(outl, outlineOf(g)); }
      leaders.push({grid: String(D.grids.id[g]), unit: String(U.id[lead.u]), label: [spot.lat, spot.lng],
        from: [fromLl.lat, fromLl.lng], to: [lead.ll.lat, lead.ll.lng], hidden: !!lead.hidden});
    });
    leadOutline.setLatLngs(outl);
    leadCase.setLatLngs(lines);
    leadLine.setLatLngs(lines);
    leadDots.clearLayers();
    dots.forEach(function (ll) {
      leadDots.addLayer(L.circleMarker(ll, L.extend({radius: 3.5, color: "#fff", weight: 1.5, fillColor: "#b2182b",
        fillOpacity: 1}, LEAD)));
    });
  }
  for (g = 0; g < G; g++) { placeLabels([g]); }
  map.on("moveend overlayadd", showLabels);  // (moveend: after a zoom too; a pan brings ids under the controls)
  var overlays = {};
  if (D.roads) {
    overlays[T.roads] = L.polyline(D.roads.map(ring), {renderer: renderer, interactive: false, color: "#7a7a7a",
      weight: 1, opacity: 0.6}).addTo(map);
  }
  overlays[T.grid_borders] = borderGroup;
  overlays[T.grid_ids] = labelGroup;
  if (D.communities) {
    overlays[T.communities] = L.layerGroup(D.communities.geom.map(function (polys) {
      return L.polygon(decode(polys), {renderer: renderer, interactive: false, fill: false, color: "#303030",
        weight: 2.5, opacity: 0.9});
    })).addTo(map);
  }
  var layerList = L.control.layers(null, overlays, {collapsed: true, position: "topright"}).addTo(map);
  (function (box) {  // its button named in the page's language; Enter ticks a layer's box as Space does
    var link = box.querySelector(".leaflet-control-layers-toggle");
    if (link) { link.title = T.layers; link.setAttribute("aria-label", T.layers); }
    L.DomEvent.on(box, "keydown", function (e) {
      if (e.key === "Enter" && e.target && e.target.type === "checkbox") { L.DomEvent.preventDefault(e); e.target.click(); }
    });
  })(layerList.getContainer());
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    // a <details>: open on a desktop, folded to its title on a phone (either way up), where it would cover the town
    var div = L.DomUtil.create("details", "sp-box sp-legend");
    div.innerHTML = '<summary><b>' + T.legend + '</b></summary><i style="border-top:4px solid #0b3c8c"></i>' +
      T.legend_active + '<br><i style="border-top:2px solid #262626"></i>' + T.legend_border +
      '<br><i style="border-top:3px solid #d7191c"></i>' + T.legend_split +
      '<br><i style="border-top:2px dashed #b2182b"></i>' + T.legend_over +
      '<br><i style="border-top:2px dashed #2166ac"></i>' + T.legend_under +
      '<br><i class="sp-lead-key"></i>' + T.legend_leader;
    div.open = !window.matchMedia("(max-width: 760px), (max-height: 500px)").matches;  // (a phone held sideways too)
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener("toggle", showLabels);  // (open, it covers ids; folded, they show again)
    return div;
  };
  legend.addTo(map);
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [10, 10]}); } else { map.setView([0, 0], 2); }
  function style(u) {
    var g = gridOf[u];
    var s = {color: "#ffffff", weight: 0.5, opacity: 0.7, fillColor: g >= 0 ? D.grids.color[g] : "#bdbdbd",
      fillOpacity: 0.55, dashArray: null};
    if (g >= 0 && comps[g] > 1) { s.color = "#d7191c"; s.weight = 2.2; s.opacity = 1; }
    else if (g >= 0 && band(g) !== "in") { s.color = band(g) === "over" ? "#b2182b" : "#2166ac"; s.weight = 1.6; s.dashArray = "4 3"; s.opacity = 1; }
    if (g === active && active >= 0) { s.fillOpacity = 0.85; if (s.weight < 1.6) { s.color = "#111111"; s.weight = 1.2; } }
    if (locked && locked[u]) { s.fillOpacity *= 0.6; }
    return s;
  }
  function restyleGrid(g) { members[g].forEach(function (u) { layers[u].setStyle(style(u)); }); }
  for (i = 0; i < N; i++) { layers[i].setStyle(style(i)); }
  L.control.scale({imperial: false}).addTo(map);

  // ------------------------------------------------------------------ moves, history, storage
  var history = [], pos = 0, exported = true, lastTouched = [], note = "", created = [];
  // what the last action did, and of which kind: "done" (green), "warn" (amber: done, with something
  // left out or to know) or "refused" (red: nothing done). Every note was red: an export saved or a
  // merge done read as an error
  var noteKind = "";
  function tell(text, kind) { note = text; noteKind = text ? kind : ""; }
  var storeKey = "spatialGridEditor:" + D.key;

  function expand(ids) {
    var want = new Set(), out = [], skippedLocked = [], heldBack = [], unknown = [];
    ids.forEach(function (id) {
      var u = unitIndex[String(id)];
      if (u === undefined) { unknown.push(String(id)); return; }
      var list = group && group[u] >= 0 ? groups[group[u]] : [u];
      list.forEach(function (v) { want.add(v); });
    });
    var blocked = new Set();
    if (group || locked) {
      want.forEach(function (u) {
        if (locked && locked[u]) { blocked.add(group && group[u] >= 0 ? "g" + group[u] : "u" + u); }
      });
    }
    want.forEach(function (u) {
      var k = group && group[u] >= 0 ? "g" + group[u] : "u" + u;
      if (!blocked.has(k)) { out.push(u); return; }
      skippedLocked.push(String(U.id[u]));
      if (!(locked && locked[u])) { heldBack.push(String(U.id[u])); }  // an estate moves whole or not at all
    });
    return {units: out, locked: skippedLocked, estate: heldBack, unknown: unknown};
  }

  function apply(units, targets) {
    var touched = new Set();
    for (var k = 0; k < units.length; k++) {
      var u = units[k], from = gridOf[u], to = targets[k];
      if (from === to) { continue; }
      if (from >= 0) { remove(u, from); touched.add(from); }
      gridOf[u] = to;
      if (to >= 0) { add(u, to); touched.add(to); }
    }
    touched.forEach(function (g) { comps[g] = countComponents(g); });
    drawBorders(touched);
    placeLabels(touched);
    touched.forEach(restyleGrid);
    units.forEach(function (u) { layers[u].setStyle(style(u)); });
    lastTouched = Array.from(touched);
    return lastTouched;
  }

  function move(unitIds, gridId) {
    var g = gridIndex[String(gridId)];
    if (g === undefined) { throw new Error("unknown grid " + gridId); }
    var e = expand(Array.isArray(unitIds) ? unitIds : [unitIds]);
    var units = e.units.filter(function (u) { return gridOf[u] !== g; });
    var result = {moved: units.map(function (u) { return String(U.id[u]); }), locked: e.locked, estate: e.estate, unknown: e.unknown,
      grids: []};
    var said = [];
    if (e.locked.length > e.estate.length) {
      var own = e.locked.filter(function (id) { return e.estate.indexOf(id) < 0; });
      said.push(fmt(T.locked_skipped, {n: own.length, ids: own.slice(0, 5).join(", ")}));
    }
    if (e.estate.length) { said.push(fmt(T.estate_skipped, {n: e.estate.length, ids: e.estate.slice(0, 5).join(", ")})); }
    if (e.unknown.length) { said.push(fmt(T.unknown_units, {ids: e.unknown.slice(0, 5).join(", ")})); }
    // (units held back: a warning when others moved, refused when none did)
    tell(said.join(" "), units.length ? "warn" : "refused");
    // a click on one unit of a gated estate moves all of it: said, as the planner clicked one unit
    var asked = new Set(), along = {};
    (Array.isArray(unitIds) ? unitIds : [unitIds]).forEach(function (id) { asked.add(unitIndex[String(id)]); });
    units.forEach(function (u) { if (!asked.has(u)) { (along[group[u]] = along[group[u]] || []).push(String(U.id[u])); } });
    var alongSaid = Object.keys(along).map(function (k) {
      return fmt(T.estate_along, {estate: estateName(Number(k)), grid: D.grids.id[g], n: along[k].length,
        ids: idList(along[k], 5)});
    });
    if (alongSaid.length && !note) { tell(alongSaid.join(" "), "done"); }
    if (units.length) {
      var from = units.map(function (u) { return gridOf[u]; });
      history.length = pos;
      history.push({u: units, f: from, t: g});
      pos = history.length;
      var touched = apply(units, units.map(function () { return g; }));
      result.grids = touched.map(function (x) { return String(D.grids.id[x]); });
      exported = false;
      save();
    }
    render();
    return result;
  }
  // history steps: a move {u: units, f: their grids before, t: grid} or a new grid {c: its id}
  // (new grids are the last grids, made and unmade last-in first-out, so indices hold)
  function undo() {
    if (pos === 0) { return false; }
    var h = history[--pos];
    tell(stepText(h, false), "done");  // (before: a new grid undone is gone, its name with it)
    // a new grid undone while current: back on the grid current when it was made (on a phone the
    // current grid's line went blank, and what the undo did with it, out of sight under the tools)
    if (h.c !== undefined) {
      var wasActive = active === G - 1;
      unmakeLast();
      if (wasActive && typeof h.p === "string" && gridIndex[h.p] !== undefined) { setActive(gridIndex[h.p]); }
    } else if (h.l !== undefined) { setLock(h.l, !h.v); } else { apply(h.u, h.f); }
    exported = false; save(); render();
    return true;
  }
  function redo() {
    if (pos >= history.length) { return false; }
    var h = history[pos++];
    if (h.c !== undefined) { createGrid(h.c); } else if (h.l !== undefined) { setLock(h.l, h.v); }
    else { apply(h.u, h.u.map(function () { return h.t; })); }
    tell(stepText(h, true), "done");
    exported = false; save(); render();
    return true;
  }
  // what an undo or a redo did, said: a planner who pressed undo twice did not know which move came back
  function stepText(h, again) {
    var name = function (g) { return g >= 0 ? String(D.grids.id[g]) : T.no_grid; };
    if (h.c !== undefined) { return fmt(again ? T.redo_new : T.undo_new, {id: h.c}); }
    if (h.l !== undefined) {
      var v = {n: h.l.length, id: h.l.length ? name(gridOf[h.l[0]]) : ""};
      return fmt(again ? (h.v ? T.redo_lock : T.redo_unlock) : (h.v ? T.undo_lock : T.undo_unlock), v);
    }
    var what = fmt(T.step_units, {n: h.u.length, ids: idList(h.u.map(function (u) { return String(U.id[u]); }), 5)});
    if (again) { return fmt(T.redo_move, {what: what, to: name(h.t)}); }
    var from = [];
    h.f.forEach(function (g) { if (from.indexOf(g) < 0) { from.push(g); } });
    return fmt(T.undo_move, {what: what, to: name(h.t), from: idList(from.map(name), 5)});
  }
  function save() {
    try {
      localStorage.setItem(storeKey, JSON.stringify({history: history, pos: pos, exported: exported,
        saved: new Date().toISOString()}));
    } catch (err) { tell(T.storage_failed, "warn"); }
  }
  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(storeKey); } catch (err) { return; }
    if (!raw) { return; }
    try {
      var st = JSON.parse(raw);
      // all or nothing: every step must fit the page as it would stand when the step is taken
      var count = G, ids = new Set(D.grids.id.map(String));
      var ok = Array.isArray(st.history) && st.history.every(function (h) {
        if (h.c !== undefined) {
          if (typeof h.c !== "string" || ids.has(h.c) || count >= CAP) { return false; }
          ids.add(h.c); count += 1;
          return true;
        }
        if (h.l !== undefined) { return Array.isArray(h.l) && h.l.every(function (u) { return u >= 0 && u < N; }); }
        return h.t >= 0 && h.t < count && h.u.every(function (u) { return u >= 0 && u < N; });
      });
      if (!ok) { return; }
      history = st.history; pos = Math.min(st.pos, history.length);
      for (var k = 0; k < pos; k++) {
        if (history[k].c !== undefined) { createGrid(history[k].c); }
        else if (history[k].l !== undefined) { setLock(history[k].l, history[k].v); }
        else { apply(history[k].u, history[k].u.map(function () { return history[k].t; })); }
      }
      exported = !!st.exported;
      if (pos) { tell(fmt(T.restored, {n: pos}), "done"); }
    } catch (err) { /* a damaged entry is ignored: the embedded plan is shown */ }
  }
  // the same plan open in two tabs or windows: both save under one key, and the last to save
  // dropped the other's edits without a word; each tab takes the other's steps as they are saved
  window.addEventListener("storage", function (e) {
    if (e.key !== storeKey) { return; }
    toOriginal();
    restore();
    tell(fmt(T.synced, {n: pos}), "warn");
    render();
  });
  function toOriginal() {  // the plan as the page was made: grids, locks, no new grids, no history
    var units = [], targets = [];
    for (var u = 0; u < N; u++) { if (gridOf[u] !== orig[u]) { units.push(u); targets.push(orig[u]); } }
    apply(units, targets);
    if (locked) {
      var back = [];
      for (u = 0; u < N; u++) { if (!!locked[u] !== !!(origLocked && origLocked[u])) { back.push(u); } }
      locked = origLocked ? origLocked.slice() : null;
      back.forEach(function (v) { layers[v].setStyle(style(v)); });
    }
    history = []; pos = 0; exported = true;
    dropCreated();
  }
  function reset() {
    if (pos === 0 && history.length === 0 && !created.length) { return; }
    toOriginal();
    tell("", "");
    try { localStorage.removeItem(storeKey); } catch (err) { /* nothing stored */ }
    render();
  }

  // ------------------------------------------------------------------ new grids (新建网格)
  var NEW_COLOURS = ["#e7298a", "#1b9e77", "#d95f02", "#7570b3", "#66a61e", "#e6ab02"];
  function newGridId() {
    // (nor a name the plan had before, merged away since: D.retired)
    return gridNameAfter(active >= 0 ? D.grids.id[active] : (G ? D.grids.id[0] : "G"),
                         D.grids.id.concat(D.retired || []));
  }
  // A new grid's name by the redraw's rule (spatial/grids/_names.py, new_grid_name), so the page
  // and `spatial grids --redraw` name a grid split off alike: the next number in the pattern of the
  // grid it is split from, after the largest any grid has in it, written as wide as that grid's
  // (C1-5 -> C1-6, C01-07 -> C01-08, 香蜜社区第7网格 -> 第8网格, 7 -> 8, 007 -> 008); a name
  // without a number: <name>-a, then <name>-a2 ... Self-contained (tests run it under node).
  function gridNameAfter(base, ids) {
    base = String(base);
    var used = {};
    ids.forEach(function (id) { used[String(id)] = true; });
    var patterns = [/^(.*?)(\d{1,6})([^\d\-]+)$/, /^(.*-)(\d{1,6})()$/, /^()(\d{1,9})()$/];
    for (var p = 0; p < patterns.length; p++) {
      var m = patterns[p].exec(base);
      if (!m) { continue; }
      var head = m[1], width = m[2].length, tail = m[3], top = 0;
      Object.keys(used).forEach(function (id) {
        if (id.length <= head.length + tail.length || id.indexOf(head) !== 0 ||
            id.slice(id.length - tail.length) !== tail) { return; }
        var mid = id.slice(head.length, id.length - tail.length);
        if (/^\d{1,9}$/.test(mid)) { top = Math.max(top, Number(mid)); }
      });
      var name;
      do { top += 1; name = head + String(top).padStart(width, "0") + tail; } while (used[name]);
      return name;
    }
    var out = base + "-a", i = 1;
    while (used[out]) { i += 1; out = base + "-a" + i; }
    return out;
  }
  function createGrid(id) {
    if (G >= CAP) { throw new Error("too many new grids"); }
    var g = G;
    G += 1;
    D.grids.id.push(id);
    D.grids.color.push(NEW_COLOURS[created.length % NEW_COLOURS.length]);
    gridIndex[id] = g;
    members.push(new Set());
    gh[g] = 0; gb[g] = 0; gp[g] = 0; gn[g] = 0; comps[g] = 0;
    borders[g] = L.polyline([], L.extend({renderer: renderer, interactive: false}, BORDER));
    borderGroup.addLayer(borders[g]);
    created.push(id);
    fillSelect();
    return g;
  }
  function newGrid() {
    if (G >= CAP) { tell(T.too_many, "refused"); render(); return null; }
    var id = newGridId();
    history.length = pos;
    history.push({c: id, p: active >= 0 ? String(D.grids.id[active]) : null});  // (p: current before it)
    pos = history.length;
    var g = createGrid(id);
    exported = false;
    tell(fmt(T.created, {id: id}), "done");
    save();  // after the note: a storage failure says so
    setActive(g);
    if (mode === "pick") { setMode("paint"); }
    return id;
  }
  function unmakeLast() {  // the newest grid (empty: the moves into it were undone first)
    var g = G - 1;
    if (g < G0) { return; }
    if (active === g) { setActive(-1); }
    borderGroup.removeLayer(borders[g]);
    dropLabel(g);
    delete gridIndex[String(D.grids.id[g])];
    gh[g] = 0; gb[g] = 0; gp[g] = 0; gn[g] = 0; comps[g] = 0;
    borders.length = g; members.length = g; D.grids.id.length = g; D.grids.color.length = g;
    G = g; created.pop();
    lastTouched = lastTouched.filter(function (x) { return x < G; });
    fillSelect();
  }
  function dropCreated() {
    if (!created.length) { return; }
    if (active >= G0) { active = -1; }
    for (var g = G0; g < G; g++) {
      borderGroup.removeLayer(borders[g]);
      dropLabel(g);
      delete gridIndex[String(D.grids.id[g])];
      gh[g] = 0; gb[g] = 0; gp[g] = 0; gn[g] = 0; comps[g] = 0;
    }
    borders.length = G0; members.length = G0; D.grids.id.length = G0; D.grids.color.length = G0;
    G = G0; created = []; lastTouched = lastTouched.filter(function (g) { return g < G0; });
    fillSelect();
  }

  // ------------------------------------------------------------------ merge, lock, find
  function merge(fromId, intoId) {  // every unit of one grid into another, as one undo step
    var f = gridIndex[String(fromId)], g = intoId === undefined ? active : gridIndex[String(intoId)];
    if (f === undefined) { throw new Error("unknown grid " + fromId); }
    if (g === undefined || g < 0) { throw new Error("unknown grid " + intoId); }
    var ids = [];
    members[f].forEach(function (u) { ids.push(U.id[u]); });
    var r = move(ids, D.grids.id[g]);
    if (r.moved.length) {  // (a warning still when some units stayed, locked)
      tell(fmt(T.merged, {from: D.grids.id[f], to: D.grids.id[g], n: r.moved.length}) + (note ? " " + note : ""), note ? "warn" : "done");
      render();
    }
    return r;
  }
  function setLock(units, on) {
    if (!locked) { locked = new Array(N).fill(0); }
    units.forEach(function (u) { locked[u] = on ? 1 : 0; layers[u].setStyle(style(u)); });
  }
  function gridLocked(g) {
    if (!locked || g < 0 || gn[g] === 0) { return false; }
    var all = true;
    members[g].forEach(function (u) { if (!locked[u]) { all = false; } });
    return all;
  }
  function lockGrid(gridId, on) {  // lock (or unlock) every unit of a grid, as one undo step
    var g = gridId === undefined || gridId === null ? active : gridIndex[String(gridId)];
    if (g === undefined || g < 0) { return null; }
    if (on === undefined) { on = !gridLocked(g); }
    var units = [];
    members[g].forEach(function (u) { if (!!(locked && locked[u]) !== !!on) { units.push(u); } });
    if (units.length) {
      history.length = pos;
      history.push({l: units, v: on ? 1 : 0});
      pos = history.length;
      setLock(units, on);
      exported = false;
      tell(fmt(on ? T.grid_locked : T.grid_unlocked, {id: D.grids.id[g], n: units.length}), "done");
      save();
    }
    render();
    return units.length;
  }
  function find(query) {  // a unit or grid id: exact first, then ignoring case, then a part of one
    var q = String(query === undefined || query === null ? "" : query).trim();
    if (!q) { return null; }
    var g = gridIndex[q], u = unitIndex[q], hits = 0, k;
    if (g === undefined && u === undefined) {
      var low = q.toLowerCase(), same = function (id) { return String(id).toLowerCase() === low; };
      var part = function (id) { return String(id).toLowerCase().indexOf(low) >= 0; };
      [same, part].forEach(function (test) {
        if (g !== undefined || u !== undefined) { return; }
        for (k = 0; k < G; k++) { if (test(D.grids.id[k])) { if (g === undefined) { g = k; } hits += 1; } }
        for (k = 0; k < N; k++) { if (test(U.id[k])) { if (g === undefined && u === undefined) { u = k; } hits += 1; } }
      });
    }
    if (g === undefined && u === undefined) { tell(fmt(T.not_found, {q: q}), "refused"); render(); return null; }
    var id = g !== undefined ? String(D.grids.id[g]) : String(U.id[u]);
    tell(hits > 1 ? fmt(T.found_many, {q: q, n: hits, id: id}) : "", "warn");
    if (g !== undefined) { setActive(g); zoomTo(g); return {grid: id, unit: null}; }
    var grid = gridOf[u] >= 0 ? String(D.grids.id[gridOf[u]]) : null;
    if (!note) { tell(fmt(T.found_unit, {id: id, grid: grid === null ? "-" : grid}), "done"); }
    if (gridOf[u] >= 0) { setActive(gridOf[u]); } else { render(); }
    var l = layers[u];
    map.fitBounds(l.getBounds(), {padding: [40, 40], maxZoom: Math.max(map.getZoom(), 17), animate: false});
    showTip(u, l.getCenter());  // (on a phone too: asked for; the next tap closes it)
    return {grid: grid, unit: id};
  }

  // ------------------------------------------------------------------ stats and exports
  function gridStats(g) {
    return {households: round(gh[g]), population: pop ? round(gp[g]) : null, n_units: gn[g],
      in_band: band(g) === "in", band: band(g), contiguous: comps[g] <= 1, components: comps[g],
      deviation_pct: deviation(g) === null ? null : tenth(deviation(g)),
      communities: mixed[g] || 0};
  }
  function stats() {
    refreshMeans();
    var out = {};
    for (var g = 0; g < G; g++) { out[D.grids.id[g]] = gridStats(g); }
    return out;
  }
  function staff() {  // per grid id: its staff as the grids layer's columns (spatial grids) give it
    var out = {};
    for (var g = 0; g < G; g++) { out[D.grids.id[g]] = staffOf(g); }
    return out;
  }
  function changes() {
    var out = [];
    for (var u = 0; u < N; u++) {
      if (gridOf[u] !== orig[u]) {
        out.push({unit_id: String(U.id[u]), from: orig[u] >= 0 ? String(D.grids.id[orig[u]]) : "",
          to: gridOf[u] >= 0 ? String(D.grids.id[gridOf[u]]) : ""});
      }
    }
    return out;
  }
  function cell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) { s = "'" + s; }  // no formula injection when opened in Excel
    if (/[",\r\n]/.test(s)) { s = '"' + s.replace(/"/g, '""') + '"'; }
    return s;
  }
  function csv(header, rows) {
    return "\ufeff" + [header].concat(rows).map(function (r) { return r.map(cell).join(","); }).join("\r\n") + "\r\n";
  }
  function exportCsv() {
    // locks kept for the next redraw: a locked column when the plan had one or a unit is locked now (a
    // lock made and undone left one of all "false", a column the plan never had)
    var withLocks = !!locked && (!!U.lock_col || locked.some(function (v) { return v; }));
    var rows = [];
    for (var u = 0; u < N; u++) {
      var row = [U.id[u], gridOf[u] >= 0 ? D.grids.id[gridOf[u]] : ""];
      if (withLocks) { row.push(locked[u] ? "true" : "false"); }
      rows.push(row);
    }
    return csv(withLocks ? ["unit_id", "grid_id", "locked"] : ["unit_id", "grid_id"], rows);
  }
  function exportChanges() {
    return csv(["unit_id", "from_grid", "to_grid"], changes().map(function (c) { return [c.unit_id, c.from, c.to]; }));
  }
  function exportGeoJson() {
    var features = [], locksEdited = false;
    for (var v = 0; locked && v < N; v++) { if (!!locked[v] !== !!(origLocked && origLocked[v])) { locksEdited = true; break; } }
    for (var u = 0; u < N; u++) {
      var polys = U.geom[u].map(function (p) {
        return p.map(function (r) { return ring(r).map(function (ll) { return [ll[1], ll[0]]; }); });
      });
      var props = {unit_id: U.id[u], grid_id: gridOf[u] >= 0 ? D.grids.id[gridOf[u]] : null, households: hh[u]};
      if (pop) { props.population = pop[u]; }
      for (var col in (U.attrs || {})) { if (!(col in props)) { props[col] = U.attrs[col][u]; } }
      if (locksEdited) { props[U.lock_col || "locked"] = !!locked[u]; }  // as locked in the page
      features.push({type: "Feature", properties: props, geometry: polys.length === 1 ?
        {type: "Polygon", coordinates: polys[0]} : {type: "MultiPolygon", coordinates: polys}});
    }
    // (the page's band, rule and estate column, as a results file's grids layer records them: a page or an
    // evaluation made from this file checks the same; spatial/grids/_plan_meta.py reads them)
    // and the names no new grid may take: those the plan had retired, and its grids merged away here
    // (a page made from this file gave C1-02, merged into C1-01, to the next new grid: other ground)
    var out = {type: "FeatureCollection", name: "units"};
    if (D.meta) {
      var gone = (D.retired || []).slice();
      for (var g = 0; g < G0; g++) { if (gn[g] === 0 && gone.indexOf(String(D.grids.id[g])) < 0) { gone.push(String(D.grids.id[g])); } }
      out.spatial = {};
      for (var key in D.meta) { out.spatial[key] = D.meta[key]; }
      if (gone.length) { out.spatial.retired_grids = JSON.stringify(gone); }
    }
    out.features = features;
    return JSON.stringify(out);
  }
  // The browsers inside WeChat, WeCom, QQ and DingTalk save no download (a blob link does nothing
  // there: the file is silently lost) and keep their own storage, apart from the phone's browser.
  // There an export shows its text to copy, and the page says so when it opens.
  var inApp = /MicroMessenger|wxwork|WeCom|DingTalk|\bQQ\//i.test(navigator.userAgent || "");
  function download(text, name, mime, done) {
    if (inApp) { showText(text, name, done); return; }
    var blob = new Blob([text], {type: mime});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    if (done) { done(); }
  }
  function showText(text, name, done) {
    var old = $("sp-copy");
    if (old) { old.remove(); }
    var box = document.createElement("div");
    box.id = "sp-copy"; box.className = "sp-copy"; box.setAttribute("role", "dialog"); box.setAttribute("aria-modal", "true");
    box.innerHTML = '<div class="sp-copy-box"><h2></h2><p class="sp-muted"></p><textarea readonly></textarea>' +
      '<div class="sp-row"><button type="button" class="sp-on" id="sp-copy-go"></button>' +
      '<button type="button" id="sp-copy-close"></button></div><div id="sp-copy-said" role="status"></div></div>';
    box.querySelector("h2").textContent = T.copy_title.replace("{name}", name);
    box.querySelector("p").textContent = T.copy_hint.replace("{name}", name);
    var area = box.querySelector("textarea");
    area.value = text;
    document.body.appendChild(box);
    $("sp-copy-go").textContent = T.copy; $("sp-copy-close").textContent = T.close;
    function said(ok) {
      $("sp-copy-said").textContent = ok ? T.copied.replace("{name}", name) : T.copy_failed;
      if (ok && done) { done(); }
    }
    $("sp-copy-go").addEventListener("click", function () {
      area.focus(); area.select(); area.setSelectionRange(0, text.length);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      if (ok || !navigator.clipboard) { said(ok); return; }
      navigator.clipboard.writeText(text).then(function () { said(true); }, function () { said(false); });
    });
    $("sp-copy-close").addEventListener("click", function () { box.remove(); });
    $("sp-copy-go").focus();
  }
  function markExported() { exported = true; save(); render(); }

  // ------------------------------------------------------------------ panel
  var $ = function (id) { return document.getElementById(id); };
  // {name} is filled in; {n:unit|units} is the English word for the count n (the first for exactly 1:
  // the page read "1 units", "The 1 units of grid C1-03 are locked")
  function fmt(s, v) {
    return s.replace(/\{(\w+):((?:[^{}|]|\{\w+\})*)\|((?:[^{}]|\{\w+\})*)\}/g, function (m, k, one, many) {
      return v[k] === undefined ? m : (Number(String(v[k]).replace(/[,\s]/g, "")) === 1 ? one : many);
    }).replace(/\{(\w+)\}/g, function (m, k) { return v[k] !== undefined ? v[k] : m; });
  }
  // to the tenth as the workbook, the CSVs and the maps round a figure (四舍五入: a half away from zero,
  // spatial.core._numbers.round_half_up); Math.round takes -2.85 to -2.8 where grids.csv says -2.9
  function tenth(x) { var s = Math.abs(x) * 10; return (x < 0 ? -1 : 1) * Math.floor(s + 0.5 + 1e-11 * Math.max(s, 1)) / 10; }
  function num(x) { return tenth(x).toLocaleString(D.lang === "zh" ? "zh-CN" : "en-US"); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function chips(g) {
    var out = [], b = band(g);
    if (gn[g] > 0) { out.push('<span class="sp-chip sp-' + b + '">' + esc(T[b]) + "</span>"); }  // (none empty)
    var w = why(g);
    if (w) { out.push('<span class="sp-chip sp-why" title="' + esc(w[1]) + '">' + esc(w[0]) + "</span>"); }
    if (comps[g] > 1) { out.push('<span class="sp-chip sp-split">' + esc(fmt(T.pieces, {n: comps[g]})) + "</span>"); }
    if (far(g)) { out.push('<span class="sp-chip sp-far">' + esc(T.far) + "</span>"); }
    var mx = mixedWhy(g);
    if (mx) { out.push('<span class="sp-chip sp-split" title="' + esc(mx[1]) + '">' + esc(mx[0]) + "</span>"); }
    var sw = splitWhy(g);
    if (sw) { out.push('<span class="sp-chip sp-split" title="' + esc(sw[1]) + '">' + esc(sw[0]) + "</span>"); }
    if (gn[g] === 0) { out.push('<span class="sp-chip sp-split">' + esc(T.empty) + "</span>"); }
    return out.join(" ");
  }
  function mixedWhy(g) {  // [chip, sentence] for a grid holding units of several communities, or null
    if (!(mixed[g] > 1)) { return null; }
    var held = new Set(), name = function (k) { return U.comm_ids ? U.comm_ids[k] : String(k); };
    members[g].forEach(function (u) { held.add(CM[u]); });
    var names = Array.from(held).map(name).sort();
    return [fmt(T.mixed, {n: mixed[g]}), fmt(T.mixed_long, {ids: names.join(", "), main: name(gridComm[g])})];
  }
  function gridRow(g, cls) {
    return '<tr class="' + (cls || "") + '" data-grid="' + g + '"><td class="sp-name">' + idText(g) + "</td><td>" + num(gh[g]) + devText(g) + "</td>" +
      (pop ? '<td class="sp-pop">' + num(gp[g]) + "</td>" : "") + "<td>" + gn[g] + "</td><td>" + leadsText(g) + "</td><td>" +
      chips(g) + "</td></tr>";
  }
  // a grid's id as grids are numbered (C1-02, C01-0012: short, no spaces) is kept on one line; the
  // browser broke it after its dash ('C1-' / '02') beside two status chips on a laptop's English
  // page. A name in words (香蜜社区第12网格, 'Lianhua north') still wraps, not to push the chips out
  function idText(g) {  // its swatch and id
    var id = String(D.grids.id[g]), swatch = '<span class="sp-swatch" style="background:' + D.grids.color[g] + '"></span>';
    return /^[\x21-\x7e]{1,12}$/.test(id) ? '<span class="sp-id">' + swatch + esc(id) + "</span>" : swatch + esc(id);
  }
  // the current grid's 楼栋长·联户长 in its line: each lead kept whole (a number with its noun), the two on one
  // line when they fit, else broken between them (a 390 px phone read "6 building leads, 145" / "household leads")
  function nowLeads(st) {
    var v = {b: st.building_leads, h: st.household_leads};
    return '<span class="sp-now-leads"><span>' + esc(fmt(T.now_leads_b, v)) + "</span><wbr><span>" +
      esc(fmt(T.now_leads_h, v)) + "</span></span>";
  }
  function leadsText(g) {  // "4/38": its 楼栋长 and 联户长
    var st = staffOf(g);
    return gn[g] > 0 ? st.building_leads + "/" + st.household_leads : "";
  }
  function staffText(g) {  // the sentence under the current grid: its staff, and the counts behind it
    var st = staffOf(g);
    return fmt(T.staff_long, {w: st.full_time_workers + st.part_time_workers, f: st.full_time_workers,
      p: st.part_time_workers, b: st.building_leads, nb: num(st.n_buildings), h: st.household_leads, hh: num(gh[g])});
  }
  function devText(g) {  // "+3.2%" from the community's mean grid
    var d = deviation(g);
    if (d === null) { return ""; }
    d = tenth(d);
    return ' <span class="sp-dev' + (far(g) ? " sp-dev-far" : "") + '">' + (d > 0 ? "+" : d < 0 ? "\u2212" : "\u00b1") +
      Math.abs(d).toFixed(1) + "%</span>";
  }
  function gridTable(list, cls) {
    if (!list.length) { return '<p class="sp-muted">' + esc(T.none) + "</p>"; }
    return '<table class="sp-table"><thead><tr><th>' + esc(T.grid) + "</th><th>" + esc(T.households) + "</th>" +
      (pop ? '<th class="sp-pop">' + esc(T.population) + "</th>" : "") + "<th>" + esc(T.units) + '</th><th class="sp-leads" title="' + esc(T.leads_long) + '">' + esc(T.leads).replace("/", "/<br>") + "</th><th>" + esc(T.status) +
      "</th></tr></thead><tbody>" + list.map(function (g) { return gridRow(g, cls); }).join("") + "</tbody></table>";
  }
  function render() {
    refreshMeans();
    showLabels();
    drawOutline();
    if (tipUnit >= 0) { hoverTip.setContent(tipFor(tipUnit)); }  // (a click moved it: its grid now)
    var reason = active >= 0 ? why(active) : null;  // the sentence behind the chip: phones show no tooltips
    $("sp-active").innerHTML = active >= 0 ? gridTable([active], "sp-current") +
      (gn[active] > 0 ? '<p class="sp-staff">' + esc(staffText(active)) + "</p>" : "") +
      (reason ? '<p class="sp-why-text">' + esc(reason[1]) + "</p>" : "") +
      (mixedWhy(active) ? '<p class="sp-why-text">' + esc(mixedWhy(active)[1]) + "</p>" : "") +
      (splitWhy(active) ? '<p class="sp-why-text">' + esc(splitWhy(active)[1]) + "</p>" : "") : '<p class="sp-muted">' + esc(T.pick_hint) + "</p>";
    $("sp-sel").value = active >= 0 ? String(active) : "";
    var nowNote = note ? '<div class="sp-now-note sp-note-' + noteKind + '">' + esc(note) + "</div>" : "";
    $("sp-now").innerHTML = active >= 0 ? '<span class="sp-swatch" style="background:' + D.grids.color[active] + '"></span><b>' +
      esc(D.grids.id[active]) + "</b> " + esc(fmt(T.now_households, {n: num(gh[active])})) + devText(active) + " " +
      (gn[active] > 0 ? nowLeads(staffOf(active)) + " " : "") +
      chips(active) + nowNote : nowNote;  // (with no grid current the note alone: in sight on a phone)
    var touched = lastTouched.filter(function (g) { return g !== active; });
    $("sp-touched").innerHTML = gridTable(touched);
    var flags = [];
    for (var g = 0; g < G; g++) { if (flagged(g)) { flags.push(g); } }
    // in pieces first, then out of the band, then the furthest from the mean
    flags.sort(function (a, b) {
      return (comps[b] > 1) - (comps[a] > 1) || (band(b) !== "in") - (band(a) !== "in") || offness(b) - offness(a);
    });
    $("sp-flag-count").textContent = String(flags.length);
    $("sp-flag-go").textContent = fmt(T.flags_go, {n: flags.length});
    $("sp-flag-go").hidden = flags.length === 0;
    $("sp-flags").innerHTML = gridTable(flags.slice(0, 60)) + more(flags.length - 60);
    var ch = changes();
    $("sp-change-count").textContent = String(ch.length);
    $("sp-changes").innerHTML = ch.length ? '<table class="sp-table"><thead><tr><th>' + esc(T.unit) + '</th><th class="sp-name">' +
      esc(T.from) + '</th><th class="sp-name">' + esc(T.to) + "</th></tr></thead><tbody>" + ch.slice(-60).reverse().map(function (c) {
        return "<tr><td>" + esc(c.unit_id) + '</td><td class="sp-name">' + esc(c.from) +
          '</td><td class="sp-name">' + esc(c.to) + "</td></tr>";
      }).join("") + "</tbody></table>" + more(ch.length - 60) : '<p class="sp-muted">' + esc(T.no_changes) + "</p>";
    $("sp-lock").disabled = active < 0 || gn[active] === 0;
    $("sp-lock").textContent = gridLocked(active) ? T.unlock_grid : T.lock_grid;
    $("sp-undo").disabled = pos === 0;
    $("sp-redo").disabled = pos >= history.length;
    $("sp-note").textContent = note;
    $("sp-note").className = note ? "sp-note-" + noteKind : "";
    $("sp-saved").textContent = ch.length ? (exported ? T.exported : T.unsaved) : "";
    // (grids holding units: an emptied (merged) grid is not in the export)
    var inb = 0, split = 0, farN = 0, held = 0, noPlan = 0, out = [];
    for (g = 0; g < G; g++) {
      if (gn[g] > 0) { held++; if (band(g) === "in") { inb++; } else { out.push(g); } }  // of the grids counted: an empty one is none
      if (comps[g] > 1) { split++; }
      if (far(g)) { farN++; if (band(g) === "in" && uneven(g)) { noPlan++; } }
    }
    var loose = noGrid().length;
    // which grids are out of the band, with their households, the furthest out first (five, then "...")
    out.sort(function (a, b) { return outBy(b) - outBy(a) || a - b; });
    // (each grid with its households kept on one line: 'C01-' / '02: 129' broke at the dash)
    var outIds = out.slice(0, 5).map(function (x) {
      return '<span class="sp-nobr">' + esc(fmt(T.summary_out_item, {id: D.grids.id[x], n: num(gh[x])})) + "</span>";
    }).join(esc(T.list_sep)) + (out.length > 5 ? esc(T.list_more) : "");
    var outHtml = out.length ? esc(fmt(T.summary_out, {k: out.length})).replace("{ids}", function () { return outIds; }) : "";
    $("sp-summary").innerHTML = esc(fmt(T.summary, {n: held, inb: inb, split: split})).replace("{out}", function () { return outHtml; }) +
      esc((RULE ? fmt(T.summary_far, {far: farN, p: RULE}) + (noPlan ? fmt(T.summary_no_plan, {k: noPlan}) : "") : "") +
      (loose ? fmt(T.summary_no_grid, {k: loose}) : "") +
      (splitList.length ? fmt(T.summary_split_estates, {k: splitList.length}) : ""));
  }
  function outBy(g) { var h = round(gh[g]); return h < LO ? LO - h : (h > HI ? h - HI : 0); }
  function more(n) { return n > 0 ? '<p class="sp-muted">' + esc(fmt(T.more, {n: n})) + "</p>" : ""; }
  function mid() { return (LO + HI) / 2; }
  function offness(g) { var d = deviation(g); return d === null ? Math.abs(gh[g] - mid()) / mid() * 100 : Math.abs(d); }
  var viewSaver = null;
  function setActive(g) {
    var old = active;
    active = g;
    if (old >= 0) { restyleGrid(old); }
    if (g >= 0) { restyleGrid(g); }
    render();
    if (viewSaver) { viewSaver(); }
  }
  function setMode(m) {
    mode = m;
    ["pick", "paint", "lasso", "merge"].forEach(function (k) { $("sp-mode-" + k).classList.toggle("sp-on", k === m); });
    if (m === "lasso") { map.dragging.disable(); map.getContainer().classList.add("sp-lassoing"); }
    else { map.dragging.enable(); map.getContainer().classList.remove("sp-lassoing"); }
    $("sp-mode-hint").textContent = T["hint_" + m];
  }
  function onUnitClick(ev) {
    var u = ev.target._spUnit;
    if (!byFinger) { showTip(u, ev.latlng); }  // (Leaflet closes a tooltip on every click: the mouse's stays)
    if (mode === "pick" || active < 0) { if (gridOf[u] >= 0) { setActive(gridOf[u]); } return; }
    if (mode === "paint") { move([U.id[u]], D.grids.id[active]); }
    if (mode === "merge" && gridOf[u] >= 0 && gridOf[u] !== active) { merge(D.grids.id[gridOf[u]], D.grids.id[active]); }
  }
  function tipFor(u) {
    var g = gridOf[u];
    return esc(T.unit) + " " + esc(U.id[u]) + "<br>" + esc(T.grid) + " " + (g >= 0 ? esc(D.grids.id[g]) : "-") +
      "<br>" + esc(T.households) + " " + num(hh[u]) + (locked && locked[u] ? "<br>" + esc(T.locked) : "") +
      (group && group[u] >= 0 ? "<br>" + esc(fmt(T.gated, {n: groups[group[u]].length})) : "");
  }
  // one tooltip, for the unit under the mouse. A finger or a pen opens none: on a phone a tap left
  // it open over the map (the mouseout that closes it never comes), over the units tapped next;
  // their figures are in the sheet. The next press of a finger closes the one find() opened.
  var hoverTip = L.tooltip({direction: "top", className: "sp-tip"}), tipUnit = -1, byFinger = false;
  function showTip(u, latlng) {
    tipUnit = u;
    hoverTip.setContent(tipFor(u)).setLatLng(latlng);
    if (!map.hasLayer(hoverTip)) { map.openTooltip(hoverTip); }
  }
  function hideTip() { tipUnit = -1; if (map.hasLayer(hoverTip)) { map.closeTooltip(hoverTip); } }
  function onOver(ev) { if (!byFinger) { showTip(ev.target._spUnit, ev.latlng); } }
  function onHover(ev) { if (!byFinger && tipUnit === ev.target._spUnit) { hoverTip.setLatLng(ev.latlng); } }
  function onOut(ev) { if (tipUnit === ev.target._spUnit) { hideTip(); } }
  for (i = 0; i < N; i++) { layers[i].on({mouseover: onOver, mousemove: onHover, mouseout: onOut}); }
  function pressed(e) {  // (before Leaflet's handlers: the capture phase)
    byFinger = e.pointerType ? e.pointerType !== "mouse" : true;
    if (byFinger) { hideTip(); }
  }
  map.getContainer().addEventListener("pointerdown", pressed, true);
  if (!window.PointerEvent) { map.getContainer().addEventListener("touchstart", pressed, true); }
  map.getContainer().addEventListener("pointermove", function (e) { if (e.pointerType === "mouse") { byFinger = false; } }, true);

  // lasso: pointer events work for mouse, pen and touch alike. Its line is drawn in a pane of its own that
  // takes no clicks: on the map's default renderer it left a second canvas over the units' once drawn,
  // which took every later click, so after one lasso no click or tap moved, picked or merged a unit
  var lassoPts = null, lassoLine = null;
  map.createPane("sp-lasso").style.pointerEvents = "none";
  var lassoRenderer = L.canvas({pane: "sp-lasso"});
  var box = map.getContainer();
  box.addEventListener("pointerdown", function (e) {
    if (mode !== "lasso" || e.button > 0) { return; }
    lassoPts = [map.mouseEventToLatLng(e)];
    lassoLine = L.polyline(lassoPts, {color: "#000", weight: 2, dashArray: "5 4", interactive: false,
      pane: "sp-lasso", renderer: lassoRenderer}).addTo(map);
    box.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  box.addEventListener("pointermove", function (e) {
    if (!lassoPts) { return; }
    lassoPts.push(map.mouseEventToLatLng(e));
    lassoLine.setLatLngs(lassoPts);
  });
  function endLasso() {
    if (!lassoPts) { return; }
    var pts = lassoPts; lassoPts = null;
    map.removeLayer(lassoLine); lassoLine = null;
    if (pts.length < 3) { return; }
    if (active < 0) { tell(T.pick_first, "refused"); render(); return; }
    var inside = [];
    for (var u = 0; u < N; u++) {
      var p = U.pt[u];
      if (pointIn((D.x0 + p[0]) / S, (D.y0 + p[1]) / S, pts)) { inside.push(U.id[u]); }
    }
    if (inside.length) { move(inside, D.grids.id[active]); }
  }
  box.addEventListener("pointerup", endLasso);
  box.addEventListener("pointercancel", endLasso);
  // a finger lifted while still moving ends a lasso as a fling: touch-action none keeps it from scrolling,
  // but Chromium (WeChat's XWeb) still starts one, and takes the next tap within a second or so for
  // "stop the fling", so no click came of it (a mode button, a unit). The lasso's moves are consumed, so
  // the browser makes no scroll nor fling of them (a tap, which has none, still picks a unit's grid)
  function noGesture(e) { if (mode === "lasso" && e.cancelable) { e.preventDefault(); } }
  box.addEventListener("touchmove", noGesture, {passive: false});
  function pointIn(x, y, pts) {
    var inside = false;
    for (var a = 0, b = pts.length - 1; a < pts.length; b = a++) {
      var xa = pts[a].lng, ya = pts[a].lat, xb = pts[b].lng, yb = pts[b].lat;
      if ((ya > y) !== (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) { inside = !inside; }
    }
    return inside;
  }

  // ------------------------------------------------------------------ wiring
  var sel = $("sp-sel");
  function fillSelect() {
    sel.innerHTML = '<option value="">' + esc(T.choose) + "</option>" + D.grids.id.map(function (id, g) {
      return '<option value="' + g + '">' + esc(id) + "</option>";
    }).join("");
    sel.value = active >= 0 ? String(active) : "";
  }
  fillSelect();
  sel.addEventListener("change", function () { setActive(sel.value === "" ? -1 : Number(sel.value)); if (active >= 0) { zoomTo(active); } });
  function zoomTo(g) {
    var b = L.latLngBounds([]);
    members[g].forEach(function (u) { b.extend(layers[u].getBounds()); });
    if (b.isValid()) { map.fitBounds(b, {padding: [40, 40], maxZoom: Math.max(map.getZoom(), 16)}); }
  }
  document.querySelector(".sp-panel").addEventListener("click", function (e) {
    var tr = e.target.closest("tr[data-grid]");
    if (tr) { var g = Number(tr.getAttribute("data-grid")); setActive(g); zoomTo(g); }
  });
  ["pick", "paint", "lasso", "merge"].forEach(function (k) { $("sp-mode-" + k).addEventListener("click", function () { setMode(k); }); });
  $("sp-undo").addEventListener("click", undo);
  $("sp-new").addEventListener("click", newGrid);
  $("sp-lock").addEventListener("click", function () { lockGrid(); });
  $("sp-find-go").addEventListener("click", function () { find($("sp-find").value); });
  $("sp-find").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); find($("sp-find").value); } });
  $("sp-redo").addEventListener("click", redo);
  $("sp-reset").addEventListener("click", function () { if (window.confirm(T.reset_confirm)) { reset(); } });
  function exportPlan(text, name, mime) {  // the plan's download, and what it leaves open said
    var said = exportNote(name);
    // saved and said so (green), or saved with what it leaves open (amber)
    download(text, name, mime, function () { tell(said || fmt(T.exported_file, {name: name}), said ? "warn" : "done"); markExported(); });
    if (said) { tell(said, "warn"); render(); }
  }
  $("sp-export-csv").addEventListener("click", function () { exportPlan(exportCsv(), D.file_stem + "_plan.csv", "text/csv;charset=utf-8"); });
  $("sp-export-geojson").addEventListener("click", function () { exportPlan(exportGeoJson(), D.file_stem + "_plan.geojson", "application/geo+json"); });
  $("sp-export-changes").addEventListener("click", function () {
    var name = D.file_stem + "_changes.csv";
    download(exportChanges(), name, "text/csv;charset=utf-8", function () { tell(fmt(T.exported_file, {name: name}), "done"); render(); });
  });
  $("sp-toggle").addEventListener("click", function () {
    document.body.classList.toggle("sp-collapsed");
    document.querySelector(".sp-panel").scrollTop = 0;  // (folded: its line and buttons from the top)
    setTimeout(function () { map.invalidateSize(); }, 50);
  });
  $("sp-flag-go").addEventListener("click", function () {  // the list at the top of the sheet, under the grid's line
    var folded = document.body.classList.contains("sp-collapsed");
    document.body.classList.remove("sp-collapsed");
    var panel = document.querySelector(".sp-panel"), now = $("sp-now");
    panel.scrollTop += $("sp-flags-head").getBoundingClientRect().top - panel.getBoundingClientRect().top -
      (now.offsetHeight && getComputedStyle(now).position === "sticky" ? now.offsetHeight : 0);
    if (folded) { setTimeout(function () { map.invalidateSize(); }, 50); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.tagName === "INPUT") { return; }  // Ctrl+Z in the search box edits its text
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") { e.preventDefault(); if (e.shiftKey) { redo(); } else { undo(); } }
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") { e.preventDefault(); redo(); }
  });

  // where the planner was: the map's view and the current grid, kept apart from the edits (their key
  // syncs other tabs). WeChat reloads a page it kept in the background; the edits came back, but on the
  // whole town zoomed out with no grid picked, to be found again on a phone's screen
  var viewKey = storeKey + ":view", view = null;
  try { view = JSON.parse(localStorage.getItem(viewKey) || "null"); } catch (err) { view = null; }
  restore();
  setMode("pick");
  if (view && isFinite(view.lat) && isFinite(view.lng) && isFinite(view.z)) {
    map.setView([view.lat, view.lng], view.z, {animate: false});
  }
  if (view && typeof view.grid === "string" && gridIndex[view.grid] !== undefined) { setActive(gridIndex[view.grid]); }
  function saveView() {
    try {
      var c = map.getCenter();
      localStorage.setItem(viewKey, JSON.stringify({lat: c.lat, lng: c.lng, z: map.getZoom(),
        grid: active >= 0 ? String(D.grids.id[active]) : null}));
    } catch (err) { /* nothing kept: the page opens on the whole plan */ }
  }
  map.on("moveend", saveView);
  viewSaver = saveView;
  if (inApp) {  // said for as long as the page is open, above the tools
    var warn = document.createElement("p");
    warn.id = "sp-in-app"; warn.className = "sp-warn"; warn.setAttribute("role", "note"); warn.textContent = T.in_app;
    document.querySelector(".sp-panel h1").insertAdjacentElement("afterend", warn);
  }
  render();
  var api = {
    move: move, undo: undo, redo: redo, stats: stats, exportCsv: exportCsv, exportGeoJson: exportGeoJson,
    exportChanges: exportChanges, changes: changes, reset: reset, newGrid: newGrid, merge: merge, lockGrid: lockGrid,
    find: find, problems: problems, staff: staff,
    leaders: function () { return map.hasLayer(labelGroup) ? leaders.map(function (l) { return L.extend({}, l); }) : []; },
    select: function (gridId) { var g = gridIndex[String(gridId)]; setActive(g === undefined ? -1 : g); return g !== undefined; },
    setMode: setMode, unitIds: function () { return U.id.slice(); }, gridOf: function (unitId) {
      var u = unitIndex[String(unitId)]; return u === undefined || gridOf[u] < 0 ? null : String(D.grids.id[gridOf[u]]);
    },
    readyMs: 0, map: map
  };
  window.spatialGridEditor = api;
  api.readyMs = performance.now();
  document.body.setAttribute("data-ready", "1");
})();
