// Review queue: "Select all on this page" ticks every row (without a script the server reads it as
// every row of the page); unticking a row unticks "all", so what is sent is what is shown.
(function () {
  "use strict";
  var all = document.querySelector("[data-pick-all]");
  if (!all) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-pick]"));
  function sync() {
    var ticked = rows.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === rows.length && rows.length > 0;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
    all.indeterminate = false;
  });
  rows.forEach(function (box) { box.addEventListener("change", sync); });
  sync();
})();
