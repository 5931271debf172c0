// Every form that writes (method post) can be sent once: on submit its submit
// buttons are disabled and the one pressed says it is working (the text comes from
// the script tag's data-busy, translated), until the page is replaced or the request
// fails. A second submit of a form being sent (data-sending) is refused. Irreversible steps ask first in
// the page itself (a <details> step), so they work without this script too.
if (!window.gotongBusy) {
  window.gotongBusy = true;
  var busyText = (document.currentScript && document.currentScript.getAttribute("data-busy")) || "…";
  var buttons = function (f) {
    return Array.prototype.filter.call(f.elements, function (el) {
      return (el.type === "submit" || el.type === "image") && !el.disabled;
    });
  };
  var release = function (f) {
    if (!f || !f.hasAttribute("data-sending")) return;
    f.removeAttribute("data-sending");
    f.removeAttribute("data-htmx-sent");
    Array.prototype.forEach.call(f.querySelectorAll("[data-busy-was]"), function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
      if (b.getAttribute("data-busy-label") !== null) b.textContent = b.getAttribute("data-busy-label");
      b.removeAttribute("data-busy-label");
      b.removeAttribute("data-busy-was");
    });
  };
  // Capture phase: runs before htmx's own submit handler on the form, so a refused
  // second submit never reaches it.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f || (f.getAttribute("method") || "get").toLowerCase() !== "post" || f.hasAttribute("data-no-busy")) return;
    if (f.hasAttribute("data-sending")) {
      e.preventDefault();
      e.stopImmediatePropagation();
      return;
    }
    f.setAttribute("data-sending", "");
    var pressed = e.submitter;
    // Disabled only after the submit's values are read (htmx reads them in its
    // handler, the browser right after this event): a disabled button's name and
    // value would not be sent.
    setTimeout(function () {
      // Held back by another handler (the human check still solving): not sent.
      // htmx prevents the browser's submission too, but sends the form itself.
      if (e.defaultPrevented && !f.hasAttribute("data-htmx-sent") && !f.classList.contains("htmx-request")) {
        release(f);
        return;
      }
      buttons(f).forEach(function (b) {
        b.setAttribute("data-busy-was", "");
        b.disabled = true;
        if (b === pressed && b.tagName === "BUTTON") {
          b.setAttribute("data-busy-label", b.textContent);
          b.setAttribute("aria-busy", "true");
          b.textContent = busyText;
        }
      });
    }, 0);
    // A download (no page change) gives the form back after a while.
    setTimeout(function () { release(f); }, 20000);
  }, true);
  document.addEventListener("htmx:beforeRequest", function (e) {
    var f = e.target && e.target.closest ? e.target.closest("form[data-sending]") : null;
    if (f) f.setAttribute("data-htmx-sent", "");
  });
  var releaseFrom = function (e) { release(e.target && e.target.closest ? e.target.closest("form") : null); };
  document.addEventListener("htmx:sendError", releaseFrom);
  document.addEventListener("htmx:timeout", releaseFrom);
  // A request whose answer did not replace the form (a failure, or nothing to
  // swap) gives it back.
  document.addEventListener("htmx:afterRequest", function (e) {
    var f = e.target && e.target.closest ? e.target.closest("form") : null;
    if (f && f.isConnected) release(f);
  });
  // Back to a page kept in the browser's cache: its forms are usable again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), release);
  });
}
