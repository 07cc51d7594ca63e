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
// Forms marked data-resend are sent in the background. When the server answers that it is out of
// service (503, e.g. the database is down; also 502/504 from a proxy) or the network drops, what was
// typed stays on the page (and in the data-persist draft), a notice says so, and the very same form
// -- the same hidden submission token, so the server saves it once -- is sent again by itself after
// 3 s, then 6, 12... (at most a minute, never longer than the server's Retry-After), or at once with
// the notice's button. Any other answer is shown as the browser would have shown it.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) return;
  var RETRY = [502, 503, 504];
  document.querySelectorAll("form[data-resend]").forEach(function (form) {
    var notice = document.createElement("div");
    notice.className = "alert alert-warning resend-notice";
    notice.setAttribute("role", "status");
    notice.hidden = true;
    var noticeText = document.createElement("span");
    var now = document.createElement("button");
    now.type = "button";
    now.className = "btn btn-sm btn-outline-dark resend-now ms-2";
    now.textContent = form.dataset.resendNow || "Send now";
    notice.appendChild(noticeText);
    notice.appendChild(now);
    form.insertBefore(notice, form.firstChild);
    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;
      sending = true;
      var body = new FormData(form);
      var submitter = event.submitter;
      if (submitter && submitter.name) body.append(submitter.name, submitter.value);
      var buttons = form.querySelectorAll("button, [type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      var pause = 3000, timer = null;
      function again(seconds) {
        var wait = seconds > 0 ? Math.min(seconds * 1000, pause) : pause;
        pause = Math.min(pause * 2, 60000);
        noticeText.textContent = (form.dataset.resendMessage || "The service is unavailable; what you typed is kept and will be sent again in {seconds} s.")
          .replace("{seconds}", String(Math.round(wait / 1000)));
        notice.hidden = false;
        now.disabled = false;
        timer = setTimeout(send, wait);
      }
      now.onclick = function () { clearTimeout(timer); now.disabled = true; send(); };
      function send() {
        timer = null;
        fetch(form.action || location.href, { method: "POST", body: body, credentials: "same-origin" })
          .then(function (response) {
            if (RETRY.indexOf(response.status) >= 0) {
              again(parseInt(response.headers.get("Retry-After") || "0", 10));
              return;
            }
            if (response.redirected) { location.assign(response.url); return; }
            return response.text().then(function (html) {
              document.open(); document.write(html); document.close();
            });
          })
          .catch(function () { again(0); });
      }
      send();
    });
  });
})();
// "/" anywhere outside a text field jumps to the header's search box.
(function () {
  "use strict";
  var box = document.getElementById("header-search");
  if (!box) return;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    event.preventDefault();
    var menu = document.getElementById("mainnav");
    if (menu && !menu.classList.contains("show") && getComputedStyle(menu).display === "none" && window.bootstrap) {
      window.bootstrap.Collapse.getOrCreateInstance(menu).show();
    }
    box.focus();
  });
  // Escape closes the live results; the arrow down moves from the box into them
  var results = document.getElementById("header-search-results");
  if (!results) return;
  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { results.innerHTML = ""; }
    if (event.key === "ArrowDown") {
      var first = results.querySelector("a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  results.addEventListener("keydown", function (event) {
    var links = Array.prototype.slice.call(results.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && i < links.length - 1) { event.preventDefault(); links[i + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? links[i - 1] : box).focus(); }
    if (event.key === "Escape") { results.innerHTML = ""; box.focus(); }
  });
})();
