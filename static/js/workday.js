// Home: visits typed on this phone but not sent (the visit form keeps a draft in localStorage until
// the server confirms it, static/js/app.js) are counted here with a link back to each form.
(function () {
  "use strict";
  var prefix = "form:/consultations/visits/new/:";
  var drafts = [];
  try {
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      if (k && k.indexOf(prefix) === 0) drafts.push(k.slice(prefix.length));
    }
  } catch (e) { return; }
  if (!drafts.length) return;
  var row = document.querySelector(".todo-drafts");
  var links = document.querySelector(".todo-drafts-links");
  if (!row || !links) return;
  row.querySelector(".todo-drafts-count").textContent = String(drafts.length);
  drafts.forEach(function (id) {
    var m = /^visit-form-h(\d+)$/.exec(id);
    var a = document.createElement("a");
    a.className = "me-3";
    a.href = "/consultations/visits/new/" + (m ? "?household=" + m[1] : "");
    a.textContent = (links.dataset.label || "Open") + (m ? " #" + m[1] : "");
    links.appendChild(a);
  });
  row.classList.remove("d-none");
  links.classList.remove("d-none");
})();
