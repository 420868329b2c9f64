// Buttons marked data-print open the browser's print dialog (no inline script: the pages run under a strict CSP).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});
