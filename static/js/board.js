// The live zone board: ask /desk/board.json every few seconds and swap in the panels the server
// rendered (escaped there). Without JavaScript the page reloads itself (a <noscript> refresh) and has
// a Reload link. Polling pauses while the tab is hidden and resumes at once when it is shown again.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) return;
  var url = board.getAttribute("data-json-url");
  var every = Math.max(2, parseInt(board.getAttribute("data-poll-seconds"), 10) || 5) * 1000;
  var timer = null;
  var busy = false;
  var panels = {
    zones: document.querySelector("[data-board-zones]"),
    scans: document.querySelector("[data-board-scans]"),
    alerts: document.querySelector("[data-board-alerts]"),
    updated: document.querySelector("[data-board-updated]")
  };

  function showProblem() {
    var state = document.querySelector("[data-board-state]");
    if (state) state.textContent = board.getAttribute("data-label-offline");
  }

  function schedule() {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(poll, every);
  }

  function poll() {
    if (busy) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (r.redirected || !r.ok) throw new Error("board " + r.status);
        return r.json();
      })
      .then(function (body) {
        Object.keys(panels).forEach(function (key) {
          if (panels[key] && body.html && typeof body.html[key] === "string") panels[key].innerHTML = body.html[key];
        });
      })
      .catch(showProblem)
      .then(function () { busy = false; schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) clearTimeout(timer); else poll();
  });
  schedule();
})();
