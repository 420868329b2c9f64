// Badge batch page: poll the job's status and move the <progress> bar until the PDF is ready.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var count = box.querySelector("[data-done]");
  var state = box.querySelector(".batch-state");
  var link = box.querySelector("[data-download]");
  var leftOut = box.querySelector("[data-left-out]");
  var delay = 500;

  function show(job) {
    bar.max = job.total;
    bar.value = job.done;
    bar.textContent = job.done + " / " + job.total;
    count.textContent = job.done;
    var label = state.getAttribute("data-label-" + job.status);
    if (label) state.textContent = label.replace("{position}", job.queue_position || 1);
    var gone = job.left_out || {};
    if (leftOut && (gone.pending || gone.rejected || gone.cancelled)) {
      leftOut.textContent = leftOut.getAttribute("data-label").replace("{pending}", gone.pending || 0)
        .replace("{rejected}", gone.rejected || 0).replace("{cancelled}", gone.cancelled || 0);
      leftOut.hidden = false;
    }
    if (job.download_url) {
      link.href = job.download_url;
      link.hidden = false;
    } else {
      link.hidden = true;
    }
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (job) {
        show(job);
        if (job.status === "queued" || job.status === "running") setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); setTimeout(poll, delay); });
  }
  poll();
})();
