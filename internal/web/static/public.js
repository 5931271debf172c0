// Refreshes the public figures without a reload (the home page, a program's public
// page, the frames other sites embed). Every element with data-live names a JSON
// address of the public API; its [data-f] elements take that answer's field, and
// the number cells of its rows [data-region] the figures of that child region. A withheld count
// (null: a sensitive program's count under 5) shows as <5, as the server writes it.
if (!window.gotongLive) {
  window.gotongLive = true;
  var gotongFormat = function (n) {
    if (n === null || n === undefined) return "<5";
    return Number(n).toLocaleString(document.documentElement.lang === "en" ? "en-US" : "id-ID");
  };
  var gotongValue = function (o, field, sensitive) {
    if (field !== "unmet") return gotongFormat(o[field]);
    if (o.needed === null || o.allocated === null) return "<5";
    var u = Math.max(o.needed - o.allocated, 0);
    return sensitive && u >= 1 && u <= 4 ? "<5" : gotongFormat(u);
  };
  // The number cells of a region's row, in order (the coverage block's columns).
  var gotongColumns = ["needed", "allocated", "delivered", "unmet"];
  var gotongRefresh = function () {
    document.querySelectorAll("[data-live]").forEach(function (box) {
      fetch(box.getAttribute("data-live"), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (o) {
          if (!o) return;
          var kids = {};
          (o.children || []).forEach(function (c) { kids[c.code] = c; });
          box.querySelectorAll("[data-f]").forEach(function (el) {
            el.textContent = gotongValue(o, el.getAttribute("data-f"), o.sensitive);
          });
          box.querySelectorAll("tr[data-region]").forEach(function (row) {
            var kid = kids[row.getAttribute("data-region")];
            if (!kid) return;
            row.querySelectorAll("td.num, td.n").forEach(function (td, i) {
              if (i < gotongColumns.length) td.textContent = gotongValue(kid, gotongColumns[i], o.sensitive);
            });
          });
        })
        .catch(function () {});
    });
  };
  setInterval(gotongRefresh, 30000);
}
