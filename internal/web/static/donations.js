// The offer form's "add an item" button: a copy of the last item row, emptied.
// Without script the form still works with the rows the server drew.
(function () {
  var rows = document.getElementById("offer-rows");
  var add = document.getElementById("add-row");
  if (!rows || !add) return;
  add.hidden = false;
  add.addEventListener("click", function () {
    var all = rows.querySelectorAll(".offer-row");
    if (all.length >= 50) return;
    var row = all[all.length - 1].cloneNode(true);
    row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    rows.appendChild(row);
    row.querySelector("input").focus();
  });
})();
