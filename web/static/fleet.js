// Mietwerk fleet pages: the damage diagram. A click or tap on a view of the
// car places the marker of the new damage and fills the form's view, x and
// y (percent of the view). No inline script: the CSP forbids it.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  function place(svg, xPct, yPct) {
    var old = document.querySelector(".new-marker");
    if (old) old.remove();
    document.querySelectorAll("svg.car.chosen").forEach(function (s) { s.classList.remove("chosen"); });
    svg.classList.add("chosen");
    var w = +svg.getAttribute("data-w"), h = +svg.getAttribute("data-h");
    var c = document.createElementNS(NS, "circle");
    c.setAttribute("class", "new-marker");
    c.setAttribute("cx", (xPct * w / 100).toFixed(2));
    c.setAttribute("cy", (yPct * h / 100).toFixed(2));
    c.setAttribute("r", "6");
    svg.appendChild(c);
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var svg = t.closest("#diagram svg.car");
    if (!svg) return;
    var r = svg.getBoundingClientRect();
    if (!r.width || !r.height) return;
    var x = Math.min(100, Math.max(0, (ev.clientX - r.left) / r.width * 100));
    var y = Math.min(100, Math.max(0, (ev.clientY - r.top) / r.height * 100));
    document.getElementById("f-x").value = x.toFixed(1);
    document.getElementById("f-y").value = y.toFixed(1);
    var sel = document.getElementById("f-view");
    if (sel) sel.value = svg.getAttribute("data-view");
    place(svg, x, y);
  });
  // A form that came back with errors shows the marker where it was.
  document.addEventListener("DOMContentLoaded", function () {
    var x = document.getElementById("f-x"), y = document.getElementById("f-y"), v = document.getElementById("f-view");
    if (!x || !y || !v || x.value === "" || y.value === "") return;
    var svg = document.querySelector('#diagram svg.car[data-view="' + v.value + '"]');
    if (svg) place(svg, +x.value, +y.value);
  });
})();
