// Behaviour the templates ask for with data- attributes: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-portal-toggle]");
    if (!button) { return; }
    var target = document.querySelector(button.getAttribute("data-portal-toggle"));
    if (target) { target.classList.toggle("show"); }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-portal-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
})();
