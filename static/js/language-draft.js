// The language switch keeps what was typed: on a page whose form is in progress (changed, or sent
// back with errors), a click on 中文 / English posts the form's fields to /language/<code> with the
// page's address; the server keeps them as this page's draft and brings the page back in the other
// language with them filled in (summit/web/drafts.py).  Passwords and files never leave the page.
// Without this script the switch is a plain link, as before.
(function () {
  "use strict";
  var lastForm = null;

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled) return false;
      var type = (el.type || "").toLowerCase();
      return ["hidden", "submit", "button", "reset", "image", "password", "file"].indexOf(type) < 0;
    });
  }

  function changed(el) {
    var type = (el.type || "").toLowerCase();
    if (type === "checkbox" || type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  function inProgress(form) {
    var own = fields(form);
    if (!own.length) return false;
    return own.some(changed) || !!form.querySelector("[aria-invalid='true']");
  }

  function formToKeep() {
    var forms = Array.prototype.filter.call(document.querySelectorAll("main form"), function (form) {
      return (form.method || "").toLowerCase() === "post" && !form.hasAttribute("data-no-draft");
    });
    if (lastForm && forms.indexOf(lastForm) >= 0 && inProgress(lastForm)) return lastForm;
    for (var i = 0; i < forms.length; i++) if (inProgress(forms[i])) return forms[i];
    return null;
  }

  document.addEventListener("input", function (event) {
    if (event.target.form) lastForm = event.target.form;
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".lang-switch a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var code = new URL(link.href, location.href).searchParams.get("lang");
    var form = code && formToKeep();
    if (!form) return;
    event.preventDefault();
    var secret = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && (el.type || "").toLowerCase() === "password") secret[el.name] = true;
    });
    var carry = document.createElement("form");
    carry.method = "post";
    carry.action = "/language/" + encodeURIComponent(code);
    carry.hidden = true;
    function add(name, value) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      carry.appendChild(input);
    }
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && !secret[name] && name !== "back") add(name, value);
    });
    add("back", location.pathname + location.search);
    document.body.appendChild(carry);
    carry.submit();
  });
})();
