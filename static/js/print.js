// Print buttons: any element with data-print opens the browser's print dialog (A4 layout in portal.css).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
