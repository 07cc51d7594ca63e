// Visit form: pick the household building -> unit -> room. The plain <select name="household"> stays
// the source of truth (and the fallback without JS); the three selects just drive it.
(function () {
  "use strict";
  var dataEl = document.getElementById("cv-picker-data");
  var plain = document.querySelector("form.cv-visit-form select[name=household]");
  if (!dataEl || !plain) return;
  var rows = JSON.parse(dataEl.textContent);
  var b = document.getElementById("cv-building"), u = document.getElementById("cv-unit"), r = document.getElementById("cv-room");
  function uniq(list) { return list.filter(function (x, i) { return list.indexOf(x) === i; }); }
  function fill(select, values, labels, value) {
    select.innerHTML = "";
    values.forEach(function (v, i) {
      var o = document.createElement("option"); o.value = v; o.textContent = labels ? labels[i] : v;
      if (String(v) === String(value)) o.selected = true; select.appendChild(o);
    });
  }
  function current() { return rows.filter(function (x) { return String(x.id) === plain.value; })[0]; }
  function draw() {
    var cur = current();
    var buildings = uniq(rows.map(function (x) { return x.b; }));
    var bv = cur ? cur.b : (b.value || buildings[0]);
    fill(b, buildings, null, bv);
    var units = uniq(rows.filter(function (x) { return x.b === b.value; }).map(function (x) { return x.u; }));
    fill(u, units, null, cur ? cur.u : u.value);
    var rooms = rows.filter(function (x) { return x.b === b.value && x.u === u.value; });
    var ids = [""].concat(rooms.map(function (x) { return x.id; }));
    var labels = ["—"].concat(rooms.map(function (x) { return x.r + (x.v ? " ✓" : ""); }));
    fill(r, ids, labels, cur ? cur.id : "");
  }
  function pick() { plain.value = r.value; plain.dispatchEvent(new Event("input", { bubbles: true })); }
  b.addEventListener("change", function () { plain.value = ""; draw(); });
  u.addEventListener("change", function () { plain.value = ""; draw(); });
  r.addEventListener("change", pick);
  plain.addEventListener("change", draw);
  document.getElementById("cv-picker").classList.remove("d-none");
  document.getElementById("cv-household-plain").classList.add("d-none");
  // app.js may restore a draft after load: redraw once it has run
  setTimeout(draw, 0);
  draw();
})();
// Opinion "next step" form: show only the field the chosen move needs (reason, work item, duplicate).
(function () {
  "use strict";
  var form = document.querySelector("form.cv-transition-form");
  if (!form) return;
  var to = form.querySelector("select[name=to]");
  var needs = { declined: "reason", planned: "work_item", merged: "merged_into" };
  function box(name) { var el = form.querySelector("[name=" + name + "]"); return el && el.closest(".mb-3"); }
  function sync() {
    ["reason", "work_item", "merged_into"].forEach(function (name) {
      var b = box(name);
      if (b) b.classList.toggle("d-none", needs[to.value] !== name);
    });
  }
  to.addEventListener("change", sync);
  sync();
})();
