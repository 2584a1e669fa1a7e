// Mietwerk return: the bill before the card is charged. The first submit
// asks the server for the preview (the same form, without "confirm"),
// keeps everything entered (photos too) and shows the figures; the
// button then confirms exactly these figures. Any change of an input
// takes the confirmation back, so the next submit computes again.
(function () {
  "use strict";
  function init() {
    var form = document.getElementById("return-form");
    var confirm = document.getElementById("f-confirm");
    var button = document.getElementById("return-save");
    var panel = document.getElementById("return-preview");
    if (!form || !confirm || !button || !panel || !window.fetch || !window.DOMParser) return;
    var previewLabel = button.getAttribute("data-preview-label");
    function stale() {
      if (!confirm.value) return;
      confirm.value = "";
      button.textContent = previewLabel;
      panel.classList.add("stale");
    }
    form.addEventListener("input", stale);
    form.addEventListener("change", stale);
    form.addEventListener("pointerup", function (e) { if (e.target && e.target.id === "sigpad") stale(); });
    form.addEventListener("submit", function (e) {
      if (confirm.value) return; // confirmed: record the return
      e.preventDefault();
      button.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var next = doc.getElementById("return-preview");
          panel.innerHTML = next ? next.innerHTML : "";
          panel.classList.remove("stale");
          var errs = doc.querySelector("#return-form > .alert");
          var here = form.querySelector(":scope > .alert");
          if (here) here.remove();
          if (errs) form.insertBefore(errs, panel);
          form.querySelectorAll(".field-error[data-field]").forEach(function (el) { el.remove(); });
          doc.querySelectorAll(".field-error[data-field]").forEach(function (el) {
            var input = form.querySelector('[name="' + el.getAttribute("data-field") + '"]');
            var field = input && input.closest(".field");
            if (field) field.appendChild(el);
          });
          var c = doc.getElementById("f-confirm");
          confirm.value = c ? c.value : "";
          var b = doc.getElementById("return-save");
          if (b) button.textContent = b.textContent;
          (next && next.innerHTML.trim() ? panel : (errs || panel)).scrollIntoView({ block: "start" });
        })
        .catch(function () { form.submit(); })
        .finally(function () { button.disabled = false; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
