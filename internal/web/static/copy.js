// Copies the value of the field a [data-copy] button names, for the courier's link.
if (!window.gotongCopy) {
  window.gotongCopy = true;
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-copy]");
    if (!b) return;
    var f = document.getElementById(b.getAttribute("data-copy"));
    f.select();
    var done = function () { b.textContent = b.getAttribute("data-done"); };
    if (navigator.clipboard) navigator.clipboard.writeText(f.value).then(done, function () {});
    else if (document.execCommand("copy")) done();
  });
}
