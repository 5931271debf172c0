// Refreshes the public figures without a reload (the home page, a program's public
// page, the frames other sites embed). Every element with data-live names a JSON
// address of the public API; its [data-f] elements take that answer's field, those
// inside a row [data-region] the field of that child region. A withheld count
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
  var gotongRefresh = function () {
    document.querySelectorAll("[data-live]").forEach(function (box) {
      fetch(box.getAttribute("data-live"), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (o) {
          if (!o) return;
          var kids = {};
          (o.children || []).forEach(function (c) { kids[c.code] = c; });
          box.querySelectorAll("[data-f]").forEach(function (el) {
            var row = el.closest("[data-region]");
            var src = row && box.contains(row) ? kids[row.getAttribute("data-region")] : o;
            if (src) el.textContent = gotongValue(src, el.getAttribute("data-f"), o.sensitive);
          });
        })
        .catch(function () {});
    });
  };
  setInterval(gotongRefresh, 30000);
}
