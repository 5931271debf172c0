// The help-request form's button disables itself once the form is really sent
// (not when the human check is still running and holds the form back), so that a
// slow connection does not invite a second tap. Without script the form works.
(function () {
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      setTimeout(function () {
        if (e.defaultPrevented) return;
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.disabled = true;
          b.setAttribute("aria-busy", "true");
        });
      }, 0);
    });
  });
})();
