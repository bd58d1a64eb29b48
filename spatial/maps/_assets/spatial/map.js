/* spatial maps (written for this project, see spatial/maps/_layers.py).
 *
 * - spFeatures: rebuild GeoJSON features from the compact columnar JSON of _data.layer_json.
 * - Layers are drawn in their own panes, ordered by meaning (areas < units < outlines < points),
 *   so that turning a layer off and on never changes the order.
 * - One click handler for the map: every registered feature under the click point is found
 *   (point in polygon, marker radius, outline stroke), the one drawn on top is shown first and
 *   the others are folded below it, so a click always opens the popup of what is on top there.
 * - spLayout: the search, layer list, legends and tables go into one dock (a column on the
 *   right on a desktop, one button and a bottom sheet on a phone); the map is fitted to the
 *   study area in the part of the screen that no panel covers.
 * - spDeclutter: permanent labels by priority; a label that overlaps a more important one, a
 *   station, or does not fit inside its own area is hidden until the zoom makes room.
 * Every text from the data is escaped (spEsc) or set as textContent.
 */
// Packed coordinates (spatial/maps/_data.py _packed): runs of integer dx, dy in 1e-6 degree.
function spCoords(a, depth, e) {
  if (depth > 0) { return a.map(function (b) { return spCoords(b, depth - 1, e); }); }
  var out = new Array(a.length / 2), x = e[0], y = e[1];
  for (var j = 0; j < a.length; j += 2) { x += a[j]; y += a[j + 1]; out[j / 2] = [x / 1e6, y / 1e6]; }
  return out;
}
var SP_DEPTH = {LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2};

function spFeatures(d) {
  var keys = Object.keys(d.p), cols = [], out = new Array(d.n), i, k;
  for (k = 0; k < keys.length; k++) {
    var c = d.p[keys[k]];
    if (c && !Array.isArray(c)) { c = c.i.map(function (j) { return this[j]; }, c.k); }
    cols.push(c);
  }
  for (i = 0; i < d.n; i++) {
    var p = {};
    for (k = 0; k < keys.length; k++) { if (cols[k][i] !== null) { p[keys[k]] = cols[k][i]; } }
    var t = d.types[typeof d.t === "number" ? d.t : d.t[i]], g = d.g[i];
    if (d.e && SP_DEPTH.hasOwnProperty(t)) { g = spCoords(g, SP_DEPTH[t], d.e); }
    out[i] = {type: "Feature", properties: p,
              geometry: t === "GeometryCollection" ? g : {type: t, coordinates: g}};
  }
  return {type: "FeatureCollection", features: out};
}

function spEsc(v) {
  return String(v).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
}

/* ------------------------------------------------------------------ panes and layers */
function spPane(map, name, z) {
  if (!map.getPane(name)) { map.createPane(name).style.zIndex = String(z); }
  return name;
}

/* A style with `hatch` (units with no homes): its fill is lines of that colour over its fillColor,
   an SVG pattern (defined once in the page) or, on a map drawn on canvases, a canvas pattern. */
function spHatch(map, s) {
  if (!s || !s.hatch) { return s; }
  var key = (s.hatch + s.fillColor).replace(/[^0-9a-zA-Z]/g, ""), made = map._spHatch = map._spHatch || {};
  if (!made[key]) {
    if (map.options.preferCanvas) {
      var c = document.createElement("canvas"), x;
      c.width = c.height = 6;
      x = c.getContext("2d");
      x.fillStyle = s.fillColor; x.fillRect(0, 0, 6, 6);
      x.strokeStyle = s.hatch; x.lineWidth = 1.2; x.beginPath();
      x.moveTo(-1, 7); x.lineTo(7, -1); x.moveTo(-1, 1); x.lineTo(1, -1); x.moveTo(5, 7); x.lineTo(7, 5);
      x.stroke();
      made[key] = x.createPattern(c, "repeat");
    } else {
      var id = "sp-hatch-" + key;
      if (!document.getElementById(id)) {
        var d = document.createElement("div");
        d.innerHTML = '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
          + '<pattern id="' + id + '" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
          + '<rect width="6" height="6" fill="' + spEsc(s.fillColor) + '"></rect><line x1="0" y1="0" x2="0" y2="6" stroke="'
          + spEsc(s.hatch) + '" stroke-width="1.5"></line></pattern></defs></svg>';
        document.body.appendChild(d.firstChild);
      }
      made[key] = "url(#" + id + ")";
    }
  }
  return L.extend({}, s, {fillColor: made[key]});
}

/* Build one registered layer. o: {key, kind, z, styles, fields, label, labelClass, labelPrio,
   labelFit, tooltip, interactive, stack} */
function spLayer(map, data, o) {
  var pane = spPane(map, "sp-" + o.key, o.z);
  var layer = L.geoJson(spFeatures(data), {
    pane: pane,
    interactive: !!o.interactive,
    bubblingMouseEvents: true,
    style: function (f) { return spHatch(map, o.styles[f.properties._s || 0]); },
    pointToLayer: function (f, ll) {
      return L.circleMarker(ll, L.extend({pane: pane, interactive: !!o.interactive},
                                         spHatch(map, o.styles[f.properties._s || 0])));
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      if (p._at && l.getCenter) {
        var at = L.latLng(p._at[1], p._at[0]);
        l.getCenter = function () { return at; };
      }
      if (o.label && p[o.label] !== undefined && p[o.label] !== null) {
        l.bindTooltip(spEsc(p[o.label]), {permanent: true, direction: "center", interactive: false,
                                          className: "sp-label " + (o.labelClass || "")});
      }
      if (o.tooltip && p[o.tooltip] !== undefined && p[o.tooltip] !== null) {
        l.bindTooltip(spEsc(p[o.tooltip]), {sticky: true});
      }
      if (o.interactive) { l.on("add", function () { spKeyboard(map, l, o.kind); }); }
    }
  });
  o.layer = layer;
  (map._spLayers = map._spLayers || []).push(o);
  return layer;
}

/* A station or site drawn as SVG is a stop of the Tab key (Chromium makes it one): make it a
   named button that opens its popup with Enter or Space, as a click does, so that a screen reader
   says which station it is and a keyboard reaches its popup. */
function spKeyboard(map, l, kind) {
  var el = l.getElement && l.getElement(), p = l.feature && l.feature.properties;
  if (!el || !p) { return; }
  el.setAttribute("tabindex", "0");
  el.setAttribute("role", "button");
  el.setAttribute("aria-label", kind + (p._t !== undefined && p._t !== null ? "：" + p._t : ""));
  L.DomEvent.on(el, "keydown", function (e) {
    if (e.key !== "Enter" && e.key !== " ") { return; }
    L.DomEvent.preventDefault(e);
    spShowAt(map, l.getLatLng ? l.getLatLng() : l.getBounds().getCenter());
  });
}

/* ------------------------------------------------------------------ what is under a click */
function spInRings(a, ll, state) {
  if (!a.length) { return; }
  if (a[0] instanceof L.LatLng) {
    for (var i = 0, j = a.length - 1; i < a.length; j = i++) {
      var xi = a[i].lng, yi = a[i].lat, xj = a[j].lng, yj = a[j].lat;
      if (((yi > ll.lat) !== (yj > ll.lat)) && (ll.lng < (xj - xi) * (ll.lat - yi) / (yj - yi) + xi)) {
        state.inside = !state.inside;
      }
    }
  } else {
    for (var k = 0; k < a.length; k++) { spInRings(a[k], ll, state); }
  }
}

function spNearRings(map, a, p, tol) {
  if (!a.length) { return false; }
  if (a[0] instanceof L.LatLng) {
    var pts = a.map(function (q) { return map.latLngToContainerPoint(q); });
    for (var i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      if (L.LineUtil.pointToSegmentDistance(p, pts[j], pts[i]) <= tol) { return true; }
    }
    return false;
  }
  for (var k = 0; k < a.length; k++) { if (spNearRings(map, a[k], p, tol)) { return true; } }
  return false;
}

/* 2: drawn at this point (fill, stroke or marker); 1: inside an outline drawn elsewhere; 0: no */
function spHitOne(map, l, ll, p) {
  if (l instanceof L.CircleMarker) {
    var c = map.latLngToContainerPoint(l.getLatLng());
    return c.distanceTo(p) <= l.getRadius() + (l.options.weight || 0) / 2 + 2 ? 2 : 0;
  }
  if (!(l instanceof L.Polygon) || !l.getBounds().pad(0.05).contains(ll)) { return 0; }
  var rings = l.getLatLngs(), state = {inside: false};
  spInRings(rings, ll, state);
  if (state.inside && l.options.fill !== false) { return 2; }
  if (spNearRings(map, rings, p, (l.options.weight || 1) / 2 + 3)) { return 2; }
  return state.inside ? 1 : 0;
}

function spHits(map, ll) {
  var p = map.latLngToContainerPoint(ll), hits = [];
  (map._spLayers || []).forEach(function (r) {
    if (!r.stack || !map.hasLayer(r.layer)) { return; }
    r.layer.eachLayer(function (l) {
      if (!l.feature) { return; }
      var how = spHitOne(map, l, ll, p);
      if (how) { hits.push({r: r, l: l, how: how}); }
    });
  });
  hits.sort(function (a, b) { return (b.how - a.how) || (b.r.z - a.r.z); });
  return hits;
}

// values wider than this many Latin characters take a row of their own, the popup's whole width
var SP_WIDE_CHARS = 60;
// values at most this wide are never broken (114.030357, 2760): their label wraps instead
var SP_SHORT_CHARS = 14;

// a value's width in Latin characters: a Chinese character (or full-width mark) is two, so a
// sentence of 44 characters is not left in the value column at 8 characters a line
function spWidth(v) {
  var s = String(v), n = 0;
  for (var i = 0; i < s.length; i++) { n += s.charCodeAt(i) >= 0x2E80 ? 2 : 1; }
  return n;
}

function spRows(p, fields) {
  var rows = [];
  for (var i = 0; i < fields.length; i++) {
    var v = p[fields[i][0]];
    if (v === null || v === undefined || v === "") { continue; }
    var hint = fields[i][2] ? "<div class='sp-hint'>" + spEsc(fields[i][2]) + "</div>" : "";
    if (spWidth(v) > SP_WIDE_CHARS) {  // a sentence (what the report says): the popup's whole width
      rows.push("<tr class='sp-wide'><td colspan='2'><b>" + spEsc(fields[i][1]) + "</b><div>" + spEsc(v) + "</div>"
                + hint + "</td></tr>");
      continue;
    }
    var short = spWidth(v) <= SP_SHORT_CHARS ? " class='sp-short'" : "";  // a number, a date: on one line
    rows.push("<tr><th>" + spEsc(fields[i][1]) + "</th><td" + short + ">" + spEsc(v) + hint + "</td></tr>");
  }
  return rows.length ? "<table class='sp-rows'>" + rows.join("") + "</table>" : "";
}

function spSection(hit, top) {
  var r = hit.r, p = hit.l.feature.properties;
  var title = p._t !== undefined ? "<span class='sp-title'>" + spEsc(p._t) + "</span>" : "";
  // the short id (the number on the map, under a long code) before the rows, not after them
  var ids = p._ids ? "<div class='sp-ids'>" + spEsc(p._ids) + "</div>" : "";
  var body = ids + spRows(p, r.fields);
  var attrs = " data-layer='" + spEsc(r.key) + "'";
  if (top) {
    return "<div class='sp-sec sp-main'" + attrs + "><div class='sp-kind'>" + spEsc(r.kind) + "</div>"
      + title + (p._sub ? "<div class='sp-sub'>" + spEsc(p._sub) + "</div>" : "") + body + "</div>";
  }
  return "<details class='sp-sec'" + attrs + "><summary><span class='sp-kind'>" + spEsc(r.kind)
    + "</span> " + (p._t !== undefined ? "<b>" + spEsc(p._t) + "</b>" : "")
    + (p._sum ? " · " + spEsc(p._sum) : "") + "</summary>"
    + (p._sub ? "<div class='sp-sub'>" + spEsc(p._sub) + "</div>" : "") + body + "</details>";
}

function spShowAt(map, ll) {
  var now = Date.now();
  if (map._spLast && now - map._spLast.t < 80 && map._spLast.ll.equals(ll)) { return; }
  map._spLast = {t: now, ll: ll};
  var hits = spHits(map, ll);
  if (!hits.length) { map.closePopup(); return; }
  var html = hits.slice(0, 8).map(function (h, i) { return spSection(h, i === 0); }).join("");
  var pad = spPadding(map);
  L.popup({maxWidth: 360, minWidth: 220, autoPanPaddingTopLeft: pad[0], autoPanPaddingBottomRight: pad[1],
           className: "sp-popup"})
    .setLatLng(ll).setContent("<div class='sp-pop'>" + html + "</div>").openOn(map);
}

function spClicks(map) {
  if (map._spClicks) { return; }
  map._spClicks = true;
  map.on("click", function (e) { spShowAt(map, e.latlng); });
}

/* ------------------------------------------------------------------ labels */
function spDeclutter(map) {
  var size = map.getSize(), kept = [], items = [];
  (map._spLayers || []).forEach(function (r) {
    if (!map.hasLayer(r.layer)) { return; }
    r.layer.eachLayer(function (l) {
      if (r.obstacle && l instanceof L.CircleMarker) {
        var c = map.latLngToContainerPoint(l.getLatLng()), rad = l.getRadius() + 2;
        kept.push({x0: c.x - rad, y0: c.y - rad, x1: c.x + rad, y1: c.y + rad});
      }
      var t = l.getTooltip && l.getTooltip();
      if (!t || !t.options.permanent || !t.getElement()) { return; }
      items.push({el: t.getElement(), t: t, l: l, prio: r.labelPrio || 0, fit: r.labelFit, lab: r.label});
    });
  });
  items.sort(function (a, b) { return b.prio - a.prio; });
  items.forEach(function (it) {
    var el = it.el, p = (it.l.feature && it.l.feature.properties) || {};
    // a label too long for its shape at this zoom gives way to its short form (a grid's number in
    // its community: "02" for "310101002001-02"), the whole label back once there is room
    var forms = it.fit && p._short ? [p[it.lab], p._short] : [null];
    var show = false, b = null;
    for (var f = 0; f < forms.length && !show; f++) {
      if (forms[f] !== null && it.t._spText !== forms[f]) { it.t.setContent(spEsc(forms[f])); it.t._spText = forms[f]; }
      var w = el.offsetWidth, h = el.offsetHeight;
      var c = map.latLngToContainerPoint(it.t.getLatLng());
      b = {x0: c.x - w / 2 - 2, y0: c.y - h / 2 - 1, x1: c.x + w / 2 + 2, y1: c.y + h / 2 + 1};
      show = b.x1 > 0 && b.y1 > 0 && b.x0 < size.x && b.y0 < size.y;
      if (show && it.fit && it.l.getBounds) {
        var lb = it.l.getBounds(), nw = map.latLngToContainerPoint(lb.getNorthWest()),
            se = map.latLngToContainerPoint(lb.getSouthEast());
        show = (se.x - nw.x) >= w * 1.3 && (se.y - nw.y) >= h * 1.6;
      }
    }
    for (var i = 0; show && i < kept.length; i++) {
      var k = kept[i];
      if (b.x0 < k.x1 && k.x0 < b.x1 && b.y0 < k.y1 && k.y0 < b.y1) { show = false; }
    }
    if (show) { kept.push(b); L.DomUtil.removeClass(el, "sp-hidden"); }
    else { L.DomUtil.addClass(el, "sp-hidden"); }
  });
}

/* ------------------------------------------------------------------ search */
function spSearch(map, ctl, texts) {
  ctl.options.buildTip = function (text) {
    var li = L.DomUtil.create("li", "");
    li.textContent = text;
    return li;
  };
  var show = ctl.showTooltip;
  ctl.showTooltip = function (records) {
    var n = show.call(this, records);
    if (!n && this._input.value) { this.showAlert(); } else { this.hideAlert(); }
    return n;
  };
  ctl.showAlert = function () {
    this._alert.style.display = "block";
    this._alert.textContent = texts.miss;
    return this;
  };
  ctl.on("search:locationfound", function (e) {
    L.DomUtil.removeClass(map.getContainer(), "sp-sheet-open");
    spShowAt(map, e.latlng);  // markers are hit by their own position, at any zoom
  });
}

/* ------------------------------------------------------------------ layout */
/* The room the panels take: [top-left, bottom-right] padding for fitting and for popups. */
function spPadding(map) {
  var c = map.getContainer(), phone = c.clientWidth <= 600;
  var left = c.querySelector(".leaflet-top.leaflet-left"), dock = c.querySelector(".sp-dock");
  var padLeft = (left ? left.offsetWidth : 50) + 10;
  var padRight = phone || !dock ? 10 : dock.offsetWidth + 20;
  return [[padLeft, phone ? 56 : 10], [padRight, 34 + spNoticeRoom(c)]];
}

/* The height the notes above the scale bar take (spNotice), for the study area to be fitted above them. */
function spNoticeRoom(c) {
  var room = 0;
  c.querySelectorAll(".sp-data-notice").forEach(function (n) { room += n.offsetHeight + 10; });
  return room;
}

// A short line on the map itself, above the scale bar (bottom left), where a phone shows it with
// the dock folded: the basemap that did not load, the stations that look like Amap numbers.
function spNotice(map, text, cls) {
  var note = L.control({position: "bottomleft"});
  note.onAdd = function () {
    var div = L.DomUtil.create("div", "sp-notice " + cls);
    div.textContent = text;
    div.setAttribute("role", "note");
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  note.addTo(map);
  return note;
}

// Basemap tiles asked for but unreachable (an intranet, no signal): say so in the map, once,
// rather than leave the official looking at grey with no word of what is missing.
function spTilesMissing(map, text) {
  var failed = 0, loaded = 0, shown = false;
  map.eachLayer(function (l) {
    if (!(l instanceof L.TileLayer)) { return; }
    l.on("tileload", function () { loaded++; });
    l.on("tileerror", function () {
      failed++;
      if (shown || loaded) { return; }
      shown = true;
      spNotice(map, text, "sp-tiles-missing");
      map.getContainer().setAttribute("data-sp-tiles", "missing");
    });
  });
}

function spLayout(map, o) {
  var c = map.getContainer();
  var dock = c.querySelector(".sp-dock");
  if (!dock) {
    dock = L.DomUtil.create("div", "sp-dock", c);
    var head = L.DomUtil.create("div", "sp-dock-head", dock);
    var title = L.DomUtil.create("span", "", head);
    title.textContent = o.title;
    var close = L.DomUtil.create("button", "sp-dock-close", head);
    close.textContent = "×";
    close.setAttribute("aria-label", o.close);
    var btn = L.DomUtil.create("button", "sp-dock-toggle", c);
    btn.textContent = "☰ " + o.title;
    dock.id = c.id + "-dock";
    btn.setAttribute("aria-controls", dock.id);
    btn.setAttribute("aria-expanded", "false");
    L.DomEvent.disableClickPropagation(dock);
    L.DomEvent.disableScrollPropagation(dock);
    L.DomEvent.disableClickPropagation(btn);
    // the sheet takes the keyboard's focus when it opens (the button it hides would drop it to
    // the page's end) and gives it back to the button when it closes
    L.DomEvent.on(btn, "click", function () {
      L.DomUtil.addClass(c, "sp-sheet-open");
      btn.setAttribute("aria-expanded", "true");
      close.focus();
    });
    L.DomEvent.on(close, "click", function () {
      var had = dock.contains(document.activeElement);
      L.DomUtil.removeClass(c, "sp-sheet-open");
      btn.setAttribute("aria-expanded", "false");
      if (had) { btn.focus(); }
    });
    // Enter ticks a layer's box as Space does (a keyboard user tries Enter first)
    L.DomEvent.on(dock, "keydown", function (e) {
      var t = e.target;
      if (e.key === "Enter" && t && t.type === "checkbox") { L.DomEvent.preventDefault(e); t.click(); }
    });
    if (o.print_title) {  // shown on paper only (map.css): what the map is and when it was made
      var ph = L.DomUtil.create("div", "sp-box sp-print-head", dock);
      L.DomUtil.create("h1", "", ph).textContent = o.print_title;
      L.DomUtil.create("div", "sp-print-date", ph).textContent = o.print_date || "";
    }
  }
  if (o.map_label) {  // the map itself, the first stop of the Tab key: a named region, with its keys
    c.setAttribute("role", "region");
    c.setAttribute("aria-label", o.map_label);
  }
  if (o.zoom_in) {  // Leaflet names its zoom buttons in English whatever the page's language
    [[".leaflet-control-zoom-in", o.zoom_in], [".leaflet-control-zoom-out", o.zoom_out]].forEach(function (z) {
      var b = c.querySelector(z[0]);
      if (b) { b.setAttribute("title", z[1]); b.setAttribute("aria-label", z[1]); }
    });
  }
  var order = [".leaflet-control-search", ".leaflet-control-layers", ".sp-legend", ".sp-tablebox"];
  order.forEach(function (sel) {
    c.querySelectorAll(".leaflet-control-container " + sel).forEach(function (el) { dock.appendChild(el); });
  });
  if (!c.querySelector(".sp-data-notice")) {  // what the data may get wrong (the stations' coordinates)
    (o.notices || []).forEach(function (t) { spNotice(map, t, "sp-data-notice"); });
  }
  spClicks(map);
  spTilesMissing(map, o.tiles_missing);
  var tidy = function () { window.requestAnimationFrame(function () { spDeclutter(map); }); };
  map.on("zoomend moveend overlayadd overlayremove resize", tidy);
  if (o.bounds) {
    var pad = spPadding(map);
    if (c.clientWidth <= 600) { pad[0][0] = 10; }  // a phone: the area is below the buttons
    map.fitBounds(o.bounds, {paddingTopLeft: pad[0], paddingBottomRight: pad[1], animate: false});
  }
  tidy();
  spPrint(map, o.bounds);
  c.setAttribute("data-sp-ready", "1");
}

/* Printing lays the page out anew at the paper's size, where Leaflet would keep the screen's
   view: the map is cut at the page's edge or lies under the dock. On the switch to print the map
   takes its new size and, if the official has not moved it, the study area is fitted beside the
   dock (map.css); back on screen it returns to the view it had. */
function spPrint(map, bounds) {
  var mq = window.matchMedia && window.matchMedia("print"), first = null, saved = null;
  var c = map.getContainer(), dock = c.querySelector(".sp-dock");
  if (!mq || !mq.addListener) { return; }
  first = [map.getCenter(), map.getZoom()];
  mq.addListener(function (e) {  // addListener, not addEventListener: old engines (X5) have only it
    if (dock) { dock.style.zoom = ""; }
    if (e.matches) {
      saved = [map.getCenter(), map.getZoom()];
      var untouched = saved[1] === first[1] && map.latLngToContainerPoint(first[0])
        .distanceTo(map.latLngToContainerPoint(saved[0])) < 2, canvas = false;
      // a map drawn on canvases (more than CANVAS_ABOVE features) printed blank once they were
      // resized for the page (Chromium prints a canvas as it was before the switch): it keeps the
      // screen's view and size on paper
      map.eachLayer(function (r) { canvas = canvas || r instanceof L.Canvas; });
      if (!canvas) { map.invalidateSize({animate: false, pan: false}); }
      var credit = c.querySelector(".leaflet-control-attribution"), top = c.getBoundingClientRect().top;
      var room = (credit ? credit.getBoundingClientRect().top : top + c.clientHeight) - top - 6;
      for (var k = 0, z = 1; dock && k < 3; k++) {  // a long table: smaller, whole, on one sheet above the credits
        var tall = dock.getBoundingClientRect().height;
        if (tall <= room) { break; }
        z *= room / tall;
        dock.style.zoom = String(z);
      }
      if (canvas) {
        saved = null;
      } else if (bounds && untouched) {
        var right = dock ? dock.getBoundingClientRect().width + 20 : 10;
        map.fitBounds(bounds, {paddingTopLeft: [10, 10], paddingBottomRight: [right, 34 + spNoticeRoom(c)],
                               animate: false});
      } else {
        map.setView(saved[0], saved[1], {animate: false});
      }
      spDeclutter(map);
      c.setAttribute("data-sp-print", "1");
    } else {
      if (saved) {
        map.invalidateSize({animate: false, pan: false});
        map.setView(saved[0], saved[1], {animate: false});
        saved = null;
      }
      c.removeAttribute("data-sp-print");
    }
  });
}
