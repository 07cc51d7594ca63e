// Ballot form: the options table. Without JavaScript the rows offered are enough to fill in; with it,
// "Add an option" adds rows, and changing the kind offers that kind's usual options (with their yes
// flags ticked, visibly, for the person to keep or change) as long as the rows were not edited.
(function () {
  "use strict";
  var form = document.getElementById("ballot-form");
  var table = document.getElementById("options-table");
  var dataEl = document.getElementById("kind-options");
  if (!form || !table || !dataEl) return;
  var defaults = JSON.parse(dataEl.textContent);
  var total = form.querySelector("input[name=opt-TOTAL_FORMS]");
  var body = table.querySelector("tbody");
  var kind = form.querySelector("select[name=kind]");
  var addButton = document.getElementById("add-option");

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.option-row")); }
  function field(row, name) { return row.querySelector("input[name$='-" + name + "']"); }
  function read() {
    return rows().map(function (row) {
      return {
        label: field(row, "label").value.trim(),
        counts_as_yes: field(row, "counts_as_yes").checked,
        is_abstention: field(row, "is_abstention").checked,
      };
    }).filter(function (o) { return o.label; });
  }
  function same(a, b) {
    if (a.length !== b.length) return false;
    return a.every(function (o, i) {
      return o.label === b[i].label && o.counts_as_yes === !!b[i].counts_as_yes && o.is_abstention === !!b[i].is_abstention;
    });
  }
  function addRow() {
    var last = rows()[rows().length - 1];
    var copy = last.cloneNode(true);
    var index = rows().length;
    copy.querySelectorAll("input").forEach(function (input) {
      input.name = input.name.replace(/opt-\d+-/, "opt-" + index + "-");
      input.id = input.id.replace(/opt-\d+-/, "opt-" + index + "-");
      if (input.type === "checkbox") input.checked = false; else input.value = "";
    });
    body.appendChild(copy);
    total.value = String(rows().length);
    return copy;
  }
  function fill(options) {
    while (rows().length < options.length + 2) addRow();
    rows().forEach(function (row, i) {
      var o = options[i] || {};
      field(row, "label").value = o.label || "";
      field(row, "counts_as_yes").checked = !!o.counts_as_yes;
      field(row, "is_abstention").checked = !!o.is_abstention;
    });
  }
  if (addButton) {
    addButton.classList.remove("d-none");
    addButton.addEventListener("click", function () { field(addRow(), "label").focus(); });
  }
  if (kind) {
    var previous = kind.value;
    kind.addEventListener("change", function () {
      var shown = read();
      if (!shown.length || same(shown, defaults[previous] || [])) fill(defaults[kind.value] || []);
      previous = kind.value;
    });
  }
})();
