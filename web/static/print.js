// Print layouts: the "Drucken" button opens the browser's print dialog.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t instanceof Element && t.closest("[data-print]")) window.print();
  });
})();
