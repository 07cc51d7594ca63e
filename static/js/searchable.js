// Long choice lists become searchable (type part of a name, a room, a building): every <select> with
// many options (or a multiple select with several), unless marked data-plain (a list the server
// refreshes itself). Tom Select (vendored, static/vendor/tom-select) is loaded only on pages that have
// one. Without JavaScript the plain list still works.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var MIN = parseInt(me.dataset.min || "20", 10);
  var MIN_MULTIPLE = parseInt(me.dataset.minMultiple || "8", 10);
  var selects = Array.prototype.filter.call(document.querySelectorAll("select"), function (s) {
    if (s.hasAttribute("data-plain") || s.closest("[data-plain]")) return false;
    if (s.hasAttribute("data-searchable")) return true;
    return s.options.length >= (s.multiple ? MIN_MULTIPLE : MIN);
  });
  if (!selects.length) return;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = me.dataset.css;
  document.head.appendChild(css);
  var js = document.createElement("script");
  js.src = me.dataset.js;
  js.onload = function () {
    selects.forEach(function (s) {
      var ts = new window.TomSelect(s, {
        maxOptions: null,
        allowEmptyOption: !s.multiple,
        plugins: s.multiple ? ["remove_button"] : [],
        render: {
          no_results: function () {
            var d = document.createElement("div");
            d.className = "no-results";
            d.textContent = me.dataset.noResults || "No results";
            return d;
          },
        },
      });
      ts.wrapper.classList.add("searchable-select");
    });
  };
  document.head.appendChild(js);
})();
