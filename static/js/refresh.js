// Pages that show work in progress (an import being checked or written) reload themselves, loaded
// as a file because the CSP forbids inline scripts. An element with data-refresh-seconds="N" makes
// the page reload after N seconds; the page the server sends next decides whether to go on.
(function () {
  "use strict";
  var marker = document.querySelector("[data-refresh-seconds]");
  if (!marker) {
    return;
  }
  var seconds = Number(marker.getAttribute("data-refresh-seconds")) || 2;
  window.setTimeout(function () {
    window.location.reload();
  }, seconds * 1000);
})();
