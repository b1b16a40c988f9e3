// Recipients of the work schedule: show only the field the chosen kind needs (unit, agency or e-mail address).
(function () {
  "use strict";
  var form = document.querySelector("[data-recipient-form]");
  if (!form) { return; }
  var kind = form.querySelector("select[name=kind]");
  var fields = {unit: "unit", agency: "target_agency", email: "email"};
  function update() {
    Object.keys(fields).forEach(function (value) {
      var wrapper = form.querySelector('[data-field="' + fields[value] + '"]');
      if (wrapper) { wrapper.hidden = kind.value !== value; }
    });
  }
  kind.addEventListener("change", update);
  update();
})();
