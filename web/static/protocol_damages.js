// Mietwerk handover and return forms: new damages on the car diagram. A tap
// on a view adds a damage row (view, x and y in percent of the view, kind,
// severity, description, photos) and draws its marker; rows can be removed.
// No inline script: the CSP forbids it.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function list() { return document.getElementById("damage-rows"); }

  function field(li, name) { return li.querySelector("." + name); }

  function number(li) {
    var i = 0, n = 0;
    list().querySelectorAll("li.damage-row").forEach(function (r) { n++; if (r === li) i = n; });
    return i;
  }

  // mark draws (or moves) the marker of row li on its view.
  function mark(li) {
    var key = li.getAttribute("data-row");
    document.querySelectorAll('#ct-diagram .new-marker[data-row="' + key + '"]').forEach(function (m) { m.remove(); });
    var view = field(li, "d-view").value, x = field(li, "d-x").value, y = field(li, "d-y").value;
    if (x === "" || y === "") return;
    var svg = document.querySelector('#ct-diagram svg.car[data-view="' + view + '"]');
    if (!svg) return;
    var w = +svg.getAttribute("data-w"), h = +svg.getAttribute("data-h");
    var g = document.createElementNS(NS, "g");
    g.setAttribute("class", "new-marker");
    g.setAttribute("data-row", key);
    var c = document.createElementNS(NS, "circle");
    c.setAttribute("cx", (x * w / 100).toFixed(2));
    c.setAttribute("cy", (y * h / 100).toFixed(2));
    c.setAttribute("r", "6");
    var t = document.createElementNS(NS, "text");
    t.setAttribute("x", (x * w / 100).toFixed(2));
    t.setAttribute("y", (y * h / 100).toFixed(2));
    t.setAttribute("dy", "3");
    t.textContent = "+" + number(li);
    g.appendChild(c);
    g.appendChild(t);
    svg.appendChild(g);
    li.querySelector(".new-num").textContent = "+" + number(li);
  }

  function renumber() { list().querySelectorAll("li.damage-row").forEach(mark); }

  function nextKey() {
    var max = -1;
    list().querySelectorAll("li.damage-row").forEach(function (li) { max = Math.max(max, +li.getAttribute("data-row")); });
    return max + 1;
  }

  function addRow(view, x, y) {
    var tpl = document.getElementById("damage-row-tpl");
    var box = document.createElement("div");
    box.innerHTML = tpl.innerHTML.replace(/__i__/g, String(nextKey()));
    var li = box.querySelector("li.damage-row");
    list().appendChild(li);
    field(li, "d-view").value = view;
    field(li, "d-x").value = x.toFixed(1);
    field(li, "d-y").value = y.toFixed(1);
    mark(li);
    field(li, "d-kind").focus({ preventScroll: true });
    return li;
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var rm = t.closest("#damage-rows .damage-remove");
    if (rm) {
      var li = rm.closest("li.damage-row");
      document.querySelectorAll('#ct-diagram .new-marker[data-row="' + li.getAttribute("data-row") + '"]').forEach(function (m) { m.remove(); });
      li.remove();
      renumber();
      return;
    }
    var svg = t.closest("#ct-diagram svg.car");
    if (!svg) return;
    var r = svg.getBoundingClientRect();
    if (!r.width || !r.height) return;
    var x = Math.min(100, Math.max(0, (ev.clientX - r.left) / r.width * 100));
    var y = Math.min(100, Math.max(0, (ev.clientY - r.top) / r.height * 100));
    addRow(svg.getAttribute("data-view"), x, y);
  });

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t instanceof Element && t.classList.contains("d-view")) mark(t.closest("li.damage-row"));
  });

  // A form that came back with errors shows its rows' markers again.
  document.addEventListener("DOMContentLoaded", function () { if (list()) renumber(); });
})();
