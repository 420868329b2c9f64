// The name-order choice shows the delegate's own name both ways round ("Wei ZHANG" / "ZHANG Wei")
// as they type it; without JavaScript the page shows it after the form is sent (or a sample).
(function () {
  "use strict";
  var box = document.querySelector("[data-name-order]");
  var given = document.getElementById("given_name");
  var family = document.getElementById("family_name");
  if (!box || !given || !family) return;
  var samples = box.querySelectorAll(".name-sample");
  var initial = {};
  samples.forEach(function (el) { initial[el.dataset.order] = el.textContent; });
  function update() {
    var g = given.value.trim(), f = family.value.trim().toUpperCase();
    samples.forEach(function (el) {
      if (!g || !f) { el.textContent = initial[el.dataset.order]; return; }
      el.textContent = el.dataset.order === "family_first" ? f + " " + g : g + " " + f;
    });
  }
  given.addEventListener("input", update);
  family.addEventListener("input", update);
  update();
})();
