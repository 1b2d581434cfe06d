// The reading page's timer. HTMX posts a heartbeat every 15 s while the page is visible (hx-trigger on
// #learning-timer); the server counts the time and answers with the timer. Between answers this script only shows
// the countdown, never running ahead of what the server will count (at most one capped interval).
(function () {
  var synced = Date.now();
  var nudged = false;
  function timer() { return document.getElementById("learning-timer"); }
  function clock(s) { var m = Math.floor(s / 60), r = s % 60; return m + ":" + (r < 10 ? "0" : "") + r; }
  function ping() {
    var el = timer();
    if (el && el.dataset.done !== "1" && el.hasAttribute("hx-post") && window.htmx) {
      window.htmx.trigger(el, "ping");
    }
  }
  function tick() {
    var el = timer();
    if (!el || el.dataset.done === "1" || document.visibilityState !== "visible") return;
    var base = +el.dataset.seconds, required = +el.dataset.required, cap = +el.dataset.cap;
    var since = Math.min((Date.now() - synced) / 1000, cap);
    var left = Math.max(0, Math.ceil(required - base - since));
    var out = el.querySelector("[data-countdown]"), bar = el.querySelector("[data-bar]");
    if (out) out.textContent = clock(left);
    if (bar) bar.style.width = Math.min(100, Math.floor(100 * (required - left) / Math.max(1, required))) + "%";
    if (left === 0 && !nudged) { nudged = true; ping(); }
  }
  document.addEventListener("htmx:afterSwap", function () { synced = Date.now(); nudged = false; });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { synced = Date.now(); ping(); }
  });
  document.addEventListener("DOMContentLoaded", function () { synced = Date.now(); ping(); });
  if (document.readyState !== "loading") { ping(); }
  setInterval(tick, 1000);
})();
