// Mietwerk admin: the few behaviours that need script. No inline script is
// allowed by the Content-Security-Policy, so everything is delegated here.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var rm = t.closest("[data-remove-row]");
    if (rm) {
      var row = rm.closest("tr");
      if (row) {
        var next = row.nextElementSibling;
        if (next && next.classList.contains("exc-error")) next.remove();
        row.remove();
      }
      return;
    }
    var cp = t.closest("[data-copy]");
    if (cp) {
      var src = document.querySelector(cp.getAttribute("data-copy"));
      if (!src) return;
      var text = src.textContent.trim();
      var done = function () { cp.textContent = cp.getAttribute("data-copied") || cp.textContent; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var range = document.createRange();
        range.selectNodeContents(src);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { document.execCommand("copy"); done(); } catch (e) { /* selection stays for manual copy */ }
      }
    }
  });
})();

// A select marked data-autosubmit sends its form on change (the home
// screen's station switcher); the form's button stays for keyboards without
// script.
(function () {
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t instanceof HTMLSelectElement && t.hasAttribute("data-autosubmit") && t.form) t.form.requestSubmit();
  });
})();
