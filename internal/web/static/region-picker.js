// Region picker: a search-as-you-type list under every input marked
// data-region-picker, fed by GET /api/v1/regions?q=. Without this script the
// input still works: the server reads a code, a unique name or "name — parent".
// data-region-picker="multiple" keeps a comma-separated list and completes its
// last entry; data-within limits the search to a region (the province).
(function () {
  "use strict";
  var seq = 0;

  function segments(input) {
    if (input.dataset.regionPicker !== "multiple") return { head: "", last: input.value };
    var i = input.value.lastIndexOf(",");
    return { head: i < 0 ? "" : input.value.slice(0, i + 1) + " ", last: input.value.slice(i + 1) };
  }

  // What the picker writes: in a list, "name — parent" (no comma inside an
  // entry); alone, the full label that names the parents.
  function written(input, r) {
    if (input.dataset.regionPicker !== "multiple") return r.label || r.name;
    var parent = (r.label || "").split(" — ")[1];
    return parent ? r.name + " — " + parent.split(", ")[0] : r.name;
  }

  function enhance(input) {
    var id = "region-list-" + (++seq);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "region-picker";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.removeAttribute("list"); // the static datalist would cover our list
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    var items = [], active = -1, timer = 0, asked = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      var opts = list.querySelectorAll("[role=option]");
      if (!opts.length) return;
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }
    function choose(i) {
      var r = items[i];
      if (!r) return;
      input.value = segments(input).head + written(input, r);
      if (input.dataset.regionPicker === "multiple") input.value += ", ";
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    }
    function show(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "region-none";
        none.textContent = input.dataset.noneText || "—";
        list.appendChild(none);
      }
      found.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.code = r.code;
        li.textContent = r.label || r.name;
        var code = document.createElement("small");
        code.textContent = " " + r.code;
        li.appendChild(code);
        // pointerdown, not click: it comes before the input's blur closes the list.
        li.addEventListener("pointerdown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function search() {
      var q = segments(input).last.trim();
      if (q.length < 2) { close(); return; }
      var url = "/api/v1/regions?q=" + encodeURIComponent(q);
      if (input.dataset.within) url += "&parent=" + encodeURIComponent(input.dataset.within);
      var mine = ++asked;
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (res) { return res.ok ? res.json() : { items: [] }; })
        .then(function (body) { if (mine === asked) show(body.items || []); })
        .catch(close);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown") { search(); e.preventDefault(); }
        return;
      }
      if (e.key === "ArrowDown") { mark(active + 1); e.preventDefault(); }
      else if (e.key === "ArrowUp") { mark(active - 1); e.preventDefault(); }
      else if (e.key === "Enter" && active >= 0) { choose(active); e.preventDefault(); }
      else if (e.key === "Escape") { close(); e.preventDefault(); }
    });
    input.addEventListener("blur", close);
  }

  // fold lower-cases a name and drops punctuation, as the server's search does.
  function fold(s) {
    return s.toLowerCase().replace(/['"`\u2018\u2019]/g, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  // A long <select> of regions gets a search box above it that keeps only the
  // options whose name has a word starting with what is typed, and selects the
  // first; the select itself (and its value, a code) is unchanged.
  function filterSelect(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "region-filter";
    box.placeholder = select.dataset.searchText || "";
    box.setAttribute("aria-label", select.dataset.searchText || "");
    box.setAttribute("autocomplete", "off");
    select.insertAdjacentElement("beforebegin", box);
    box.addEventListener("input", function () {
      var q = fold(box.value), first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var name = " " + fold(o.textContent);
        var keep = !q || !o.value || name.indexOf(" " + q) >= 0 || o.value.indexOf(box.value.trim()) === 0;
        o.hidden = !keep;
        o.disabled = !keep && !!o.value;
        if (keep && o.value && !first) first = o;
      });
      if (first) { select.value = first.value; select.dispatchEvent(new Event("change", { bubbles: true })); }
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); select.focus(); }
    });
  }

  document.querySelectorAll("input[data-region-picker]").forEach(enhance);
  document.querySelectorAll("select[data-region-picker]").forEach(filterSelect);
})();
