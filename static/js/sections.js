// Long sections (ranking, scorecards) start closed on a phone, where the cards above already give every
// indicator; open on wider screens, and open when a link points at them (#ranking). Every section opens
// before printing, so the paper keeps them.
(function () {
  var sections = document.querySelectorAll("details[data-phone-closed]");
  if (window.matchMedia("(max-width: 767.98px)").matches) {
    sections.forEach(function (section) {
      if (!section.id || "#" + section.id !== window.location.hash) { section.removeAttribute("open"); }
    });
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (section) { section.setAttribute("open", ""); });
  });
})();
