// Global search: "/" anywhere outside a form field puts the cursor into the
// header's search box; on the results page the arrow keys move between the
// hits (Tab works as well: every hit is a link).
(function () {
  "use strict";
  function typing(el) {
    if (!el || !(el instanceof Element)) return false;
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var box = document.getElementById("global-search");
    if (ev.key === "/" && box && !typing(document.activeElement)) {
      ev.preventDefault();
      box.focus();
      box.select();
      return;
    }
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    var results = document.getElementById("search-results");
    if (!results) return;
    var links = Array.prototype.slice.call(results.querySelectorAll("a[href]"));
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    if (i < 0 && document.activeElement !== box) return;
    ev.preventDefault();
    if (ev.key === "ArrowDown") {
      links[Math.min(i + 1, links.length - 1)].focus();
    } else if (i > 0) {
      links[i - 1].focus();
    } else if (box) {
      box.focus();
    }
  });
})();
