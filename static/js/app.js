// Forms marked data-persist keep what was typed (localStorage) until they are sent successfully,
// so a phone that loses signal mid-submit does not lose the user's work.
(function () {
  "use strict";
  function key(form) { return "form:" + location.pathname + ":" + (form.id || form.getAttribute("action") || ""); }
  document.querySelectorAll("form[data-persist]").forEach(function (form) {
    var k = key(form);
    if (form.dataset.persist === "clear") { localStorage.removeItem(k); return; }
    try {
      var saved = JSON.parse(localStorage.getItem(k) || "null");
      if (saved && !form.querySelector(".is-invalid, .invalid-feedback")) {
        Object.keys(saved).forEach(function (name) {
          var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
          fields.forEach(function (el) {
            if (el.type === "checkbox" || el.type === "radio") { el.checked = saved[name].indexOf(el.value) >= 0; }
            else if (el.type !== "hidden" && el.type !== "file" && !el.value) { el.value = saved[name][0]; }
          });
        });
      }
    } catch (e) { /* ignore broken storage */ }
    form.addEventListener("input", function () {
      var data = {};
      new FormData(form).forEach(function (v, name) {
        if (name === "csrfmiddlewaretoken" || typeof v !== "string") return;
        (data[name] = data[name] || []).push(v);
      });
      localStorage.setItem(k, JSON.stringify(data));
    });
  });
  // a page that confirms a successful save clears the stored draft named in data-clear-draft
  document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
    localStorage.removeItem("form:" + el.dataset.clearDraft);
  });
})();
