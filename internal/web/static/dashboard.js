// The government dashboard's live figures: refetches the page's JSON
// (#dashboard's data-api, data-daily) every data-refresh seconds and when the tab
// is shown again, and writes the figures into the elements that show them
// ([data-f] numbers, [data-p] bars, the chart), so the page never reloads and
// nothing moves. One timer whatever the page: it stops when #dashboard is gone.
(function () {
  var st = window.gotongDashboard || (window.gotongDashboard = { timer: 0, chart: null, bound: false });
  var lang = document.documentElement.lang === "en" ? "en-US" : "id-ID";
  var num = new Intl.NumberFormat(lang);

  function root() { return document.getElementById("dashboard"); }

  function pct(part, whole) { return whole > 0 ? Math.min(100, Math.round(part * 100 / whole)) : 0; }

  function put(el, name, text) {
    var nodes = el.querySelectorAll('[data-f="' + name + '"]');
    for (var i = 0; i < nodes.length; i++) {
      // A row's own figures, not those of a row inside it.
      if (nodes[i].closest("[data-code], #dash-total") === el && nodes[i].textContent !== text) nodes[i].textContent = text;
    }
  }

  function bar(el, name, value) {
    var b = el.querySelector('[data-p="' + name + '"]');
    if (b) b.value = value;
  }

  function fill(el, f) {
    if (!el) return;
    ["needed", "allocated", "dispatched", "delivered", "failed", "overdue"].forEach(function (k) { put(el, k, num.format(f[k])); });
    var a = pct(f.allocated, f.needed), d = pct(f.delivered, f.needed);
    put(el, "allocated_pct", String(a));
    put(el, "delivered_pct", String(d));
    bar(el, "allocated", a);
    bar(el, "delivered", d);
    if (f.rw_share) {
      put(el, "rw_full", num.format(f.rw_share.full));
      put(el, "rw_all", num.format(f.rw_share.all));
    }
  }

  function draw(items) {
    var canvas = document.getElementById("dash-daily");
    if (!canvas || !window.Chart) return;
    var labels = items.map(function (i) { return i.date; });
    var data = items.map(function (i) { return i.delivered; });
    if (st.chart && st.chart.canvas === canvas) {
      st.chart.data.labels = labels;
      st.chart.data.datasets[0].data = data;
      st.chart.update("none");
      return;
    }
    if (st.chart) st.chart.destroy();
    st.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: canvas.getAttribute("data-label"), data: data, backgroundColor: "#1a7f64" }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); });
  }

  function refresh() {
    var r = root();
    if (!r) { stop(); return; }
    get(r.getAttribute("data-api")).then(function (d) {
      fill(document.getElementById("dash-total"), d);
      d.children.forEach(function (c) { fill(r.querySelector('li[data-code="' + c.code + '"]'), c); });
      r.setAttribute("data-updated", String(Date.now()));
    }).catch(function () {});
    get(r.getAttribute("data-daily")).then(function (d) { draw(d.items); }).catch(function () {});
  }

  function stop() {
    if (st.timer) clearInterval(st.timer);
    st.timer = 0;
  }

  function start() {
    stop();
    var r = root();
    if (!r) return;
    refresh();
    st.timer = setInterval(refresh, Math.max(2, Number(r.getAttribute("data-refresh")) || 30) * 1000);
  }

  if (!st.bound) {
    st.bound = true;
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && root()) refresh();
    });
  }
  start();
})();
