// Bulk helpers for long forms, loaded as a file because the CSP forbids inline scripts.
// <input type="checkbox" data-select-all="NAME"> ticks or unticks every checkbox named NAME in its form.
// <button data-set-results="VALUE"> sets every result <select> of its form to VALUE.
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    master.addEventListener("change", function () {
      var name = master.getAttribute("data-select-all");
      master.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });
  document.querySelectorAll("[data-set-results]").forEach(function (button) {
    button.addEventListener("click", function () {
      var value = button.getAttribute("data-set-results");
      button.form.querySelectorAll('select[name$="-result"]').forEach(function (select) {
        select.value = value;
      });
    });
  });
})();
