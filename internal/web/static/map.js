// The map page (templates/pages/map.html): a program's coverage as a choropleth on
// the region outlines of /api/v1/boundaries, drill-down by tapping a region, and
// markers for institutions. A static file: the site's CSP allows no inline script.
// The page may arrive by an htmx swap (hx-boost), so this runs on every insertion
// and loads Leaflet itself when it is not there yet.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || el.dataset.ready) { return; }
  el.dataset.ready = "1";

  // Keep equal to the swatches of map.css.
  var COLOURS = ["#e0e0e0", "#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];
  function colour(share) {
    if (share === null || share === undefined) { return COLOURS[0]; }
    return COLOURS[Math.min(5, 1 + Math.floor(share * 5))];
  }
  function num(n) { return n === null || n === undefined ? "<5" : n.toLocaleString("id-ID"); }

  function withLeaflet(fn) {
    if (window.L) { fn(); return; }
    var s = document.createElement("script");
    s.src = "/static/vendor/leaflet/leaflet.js";
    s.onload = fn;
    document.head.appendChild(s);
  }

  withLeaflet(function () {
    var map = L.map(el, { attributionControl: !!el.dataset.tiles, zoomSnap: 0.25 });
    map.setView([-6.2, 106.83], 11);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: escapeHTML(el.dataset.credit || "") }).addTo(map);
    }
    if (map.attributionControl) { map.attributionControl.setPrefix(false); }
    var layer = null;

    function tooltip(p) {
      var share = p.allocated_share === null ? "" : " · " + Math.round(p.allocated_share * 100) + "%";
      return "<strong>" + escapeHTML(p.name) + "</strong>" + share +
        "<br>" + el.dataset.tNeeded + " " + num(p.needed) + " · " + el.dataset.tAllocated + " " + num(p.allocated) +
        " · " + el.dataset.tDelivered + " " + num(p.delivered);
    }

    function load(code, push) {
      if (!el.dataset.program) { return; }
      var url = "/api/v1/boundaries?program=" + encodeURIComponent(el.dataset.program) + "&parent=" + encodeURIComponent(code);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (fc) {
          if (layer) { map.removeLayer(layer); }
          layer = L.geoJSON(fc, {
            style: function (f) {
              return { className: "region-shape", color: "#444", weight: 1, fillOpacity: 0.75, fillColor: colour(f.properties.allocated_share) };
            },
            onEachFeature: function (f, l) {
              l.bindTooltip(tooltip(f.properties), { sticky: true });
              if (f.properties.below) { l.on("click", function () { load(f.properties.code, true); }); }
            }
          }).addTo(map);
          if (fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
          el.dataset.region = code;
          el.dataset.shown = String(fc.features.length);
          if (push) { figures(code); }
        })
        .catch(function () { el.dataset.error = "1"; el.setAttribute("title", el.dataset.tFailed); });
    }

    // figures brings the page's figures (the table, what is missing) for the region
    // shown, and puts its address in the history.
    function figures(code) {
      var url = "/dashboard/map?program=" + encodeURIComponent(el.dataset.program) + "&region=" + encodeURIComponent(code);
      history.pushState(null, "", url);
      if (window.htmx) {
        htmx.ajax("GET", url, { target: "#map-figures", select: "#map-figures", swap: "outerHTML" });
      }
    }

    var points = [];
    try { points = JSON.parse(document.getElementById("map-institutions").textContent) || []; } catch (e) { points = []; }
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], { className: "institution", radius: 6, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 })
        .bindTooltip(escapeHTML(p.name) + " · " + escapeHTML(p.inst_kind)).addTo(map);
    });

    load(el.dataset.region, false);
  });

  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
})();
