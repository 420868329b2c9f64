// A form sent back with errors: its summary takes the focus, so a screen reader reads it and the
// keyboard starts there; each of its links puts the focus in the field it names (a plain #fragment
// would only scroll), with the field's label in view.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }
  ready(function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) return;
      event.preventDefault();
      var group = input.closest("fieldset, .field") || input;
      group.scrollIntoView({block: "start"});
      input.focus({preventScroll: true});
    });
  });
})();
