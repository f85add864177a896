// On a phone a wide table scrolls sideways inside its own box (cadence.css). Someone using the
// keyboard can scroll it only if it can take the focus: give each table that scrolls a tab stop,
// and take it back when the screen is wide enough for the whole table.
(function () {
  "use strict";
  function markScrollingTables() {
    document.querySelectorAll("table:not(.stack)").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.dataset.scrollStop = "true";
      } else if (!scrolls && table.dataset.scrollStop) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollStop;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollingTables);
  window.addEventListener("resize", markScrollingTables);
})();
