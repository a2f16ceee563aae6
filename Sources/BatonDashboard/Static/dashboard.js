// Baton's dashboard: live updates and confirmations. No inline script runs (the pages' CSP
// allows scripts from this origin only).
(function () {
  "use strict";
  var body = document.body;
  var status = document.getElementById("live-status");
  var pending = false;
  var last = 0;

  function show(text, on) {
    if (!status) return;
    status.textContent = text;
    status.className = on ? "status on" : "status";
  }

  // Someone typing, choosing or about to click keeps the page as it is until they are done.
  var touched = 0;
  ["mousedown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { touched = Date.now(); }, true);
  });
  function busy() {
    if (Date.now() - touched < 2000) return true;
    var active = document.activeElement;
    if (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true;
    return document.querySelector("main input[type=checkbox]:checked") !== null;
  }

  // Fetches this page again and puts its <main> in place of the old one.
  function refresh() {
    var wait = 2000 - (Date.now() - last);
    if (pending) return;
    if (wait > 0) { pending = true; setTimeout(function () { pending = false; refresh(); }, wait); return; }
    if (busy()) { pending = true; setTimeout(function () { pending = false; refresh(); }, 2000); return; }
    last = Date.now();
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Baton-Refresh": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || busy()) return;
        body.dataset.fetched = String(Number(body.dataset.fetched || 0) + 1);
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("main");
        var old = document.getElementById("main");
        // Nothing changed: the page stays as it is (no layout, no paint).
        if (fresh && old && fresh.innerHTML === old.innerHTML) return;
        if (fresh && old) {
          // What the last action said stays until the next page.
          var said = Array.prototype.slice.call(old.querySelectorAll(":scope > .flash"));
          if (!fresh.querySelector(":scope > .flash")) said.reverse().forEach(function (note) { fresh.prepend(note); });
          old.replaceWith(fresh); body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1); }
      })
      .catch(function () {});
  }

  var every = null;
  function poll() {
    if (every === null) { every = setInterval(refresh, 10000); show("refreshing every 10 s", false); }
  }

  if (body.dataset.live && window.EventSource) {
    var source = new EventSource(body.dataset.live);
    source.addEventListener("open", function () {
      if (every !== null) { clearInterval(every); every = null; }
      show("live", true);
    });
    source.addEventListener("change", refresh);
    source.addEventListener("polling", function () { show("live (the database is polled)", true); });
    source.addEventListener("error", poll);
  } else if (body.dataset.live) {
    poll();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (all.id !== "select-all") return;
    document.querySelectorAll("input[name=task]").forEach(function (box) { box.checked = all.checked; });
  });
})();
