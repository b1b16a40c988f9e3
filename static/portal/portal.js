// Behaviour the templates ask for with data- attributes: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-portal-toggle]");
    if (!button) { return; }
    var shown = button.getAttribute("aria-expanded") !== "true";
    document.querySelectorAll(button.getAttribute("data-portal-toggle")).forEach(function (target) {
      target.classList.toggle("show", shown);
    });
    button.setAttribute("aria-expanded", shown ? "true" : "false");
  });
  // A search box over a list of ticked boxes: shows the entries whose text holds what is typed, with or
  // without Vietnamese diacritics; ticked entries stay visible.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  document.addEventListener("input", function (event) {
    var box = event.target.closest("[data-portal-filter]");
    if (!box) { return; }
    var list = document.querySelector(box.getAttribute("data-portal-filter"));
    if (!list) { return; }
    var wanted = fold(box.value.trim());
    list.querySelectorAll("input[type=checkbox]").forEach(function (input) {
      var entry = input.closest("label") || input.parentElement;
      var shown = input.checked || !wanted || fold(entry.textContent).indexOf(wanted) !== -1;
      (entry.parentElement || entry).hidden = !shown;
    });
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-portal-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  // A recipient form marked data-portal-kind-fields shows only the fields its chosen kind needs
  // (each field lists its kinds in data-kinds).
  function showKindFields(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) { return; }
    form.querySelectorAll("[data-kinds]").forEach(function (field) {
      var wrapper = field.closest("[data-kind-wrapper]") || field;
      wrapper.hidden = field.getAttribute("data-kinds").split(" ").indexOf(kind.value) === -1;
    });
  }
  function showKindFieldsIn(root) {
    root.querySelectorAll("form[data-portal-kind-fields]").forEach(showKindFields);
  }
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (event.target.name === "kind" && form && form.hasAttribute("data-portal-kind-fields")) {
      showKindFields(form);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) { showKindFieldsIn(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { showKindFieldsIn(document); });
  } else {
    showKindFieldsIn(document);
  }
})();
