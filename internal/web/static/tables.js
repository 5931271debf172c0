// Wide tables become stacked rows on a phone (app.css, table.stack): every cell
// gets its column's heading as data-label, which the phone layout shows before the
// value. Without this script the tables stay tables that scroll inside .table-wrap.
// Runs on load and after every htmx swap (hx-boost replaces the page's body).
(function () {
  "use strict";
  function headings(table) {
    var row = table.tHead && table.tHead.rows[0];
    if (!row) return null;
    var out = [];
    Array.prototype.forEach.call(row.cells, function (c) {
      var text = c.textContent.replace(/\s+/g, " ").trim();
      for (var i = 0; i < (c.colSpan || 1); i++) out.push(text);
    });
    return out;
  }
  function label(table) {
    var heads = headings(table);
    if (!heads || heads.length < 3) return; // a two-column table fits as it is
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if ((cell.colSpan || 1) === 1 && heads[col] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", heads[col]);
          }
          col += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stack");
  }
  // A table wider than its .table-wrap scrolls inside it: the wrap then takes
  // the keyboard's focus, so the arrow keys scroll it too (WCAG 2.1.1), and is
  // named after the heading before it for screen readers.
  function scrollable(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
      var h = wrap.previousElementSibling;
      while (h && !/^H[1-6]$/.test(h.tagName)) h = h.previousElementSibling;
      var name = h ? h.textContent.replace(/\s+/g, " ").trim() : "";
      if (name && !wrap.hasAttribute("aria-label")) {
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", name);
      }
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
    }
  }
  function all() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap table"), label);
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), scrollable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  document.addEventListener("htmx:load", all);
  window.addEventListener("resize", all);
})();
