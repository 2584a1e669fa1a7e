// Planning board: places the bars and lets staff drag a reservation to
// another vehicle or time with pointer events (mouse, pen and touch). A drop
// is sent to the server through htmx; the server answers the whole board,
// so a refused move shows the bar back in its stored place with a message.
(function () {
  "use strict";
  function layout(board) {
    if (!board) return;
    board.style.setProperty("--cols", board.getAttribute("data-cols") || "14");
    board.querySelectorAll(".br[data-lanes]").forEach(function (row) {
      var lanes = parseInt(row.getAttribute("data-lanes"), 10) || 1;
      var track = row.querySelector(".bt");
      if (track) track.style.minHeight = (0.6 + lanes * 2.1) + "rem";
    });
    board.querySelectorAll(".bar").forEach(function (bar) {
      bar.style.left = bar.getAttribute("data-l") + "%";
      bar.style.width = bar.getAttribute("data-w") + "%";
      bar.style.top = (0.3 + (parseInt(bar.getAttribute("data-lane"), 10) || 0) * 2.1) + "rem";
    });
  }

  var drag = null;
  function track(x, y) {
    var el = document.elementFromPoint(x, y);
    return el ? el.closest(".bt[data-vehicle]") : null;
  }
  document.addEventListener("pointerdown", function (ev) {
    var bar = ev.target instanceof Element ? ev.target.closest(".bar[data-movable]") : null;
    if (!bar || ev.button !== 0) return;
    var board = bar.closest("#board");
    drag = { bar: bar, board: board, x: ev.clientX, y: ev.clientY, moved: false, over: null };
    bar.setPointerCapture(ev.pointerId);
  });
  document.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
    drag.moved = true;
    document.body.classList.add("bk-dragging");
    drag.bar.classList.add("dragging");
    drag.bar.style.transform = "translate(" + dx + "px," + dy + "px)";
    drag.bar.style.pointerEvents = "none";
    var t = track(ev.clientX, ev.clientY);
    if (drag.over && drag.over !== t) drag.over.classList.remove("drop");
    if (t) t.classList.add("drop");
    drag.over = t;
  });
  function reset(d) {
    d.bar.style.transform = "";
    d.bar.style.pointerEvents = "";
    d.bar.classList.remove("dragging");
    if (d.over) d.over.classList.remove("drop");
    document.body.classList.remove("bk-dragging");
  }
  document.addEventListener("pointerup", function (ev) {
    if (!drag) return;
    var d = drag;
    drag = null;
    if (!d.moved) return;
    var t = track(ev.clientX, ev.clientY);
    var from = d.bar.closest(".bt");
    reset(d);
    d.bar.setAttribute("data-dragged", "1");
    if (!t || !from) return;
    var cols = parseInt(d.board.getAttribute("data-cols"), 10) || 1;
    var unit = parseInt(d.board.getAttribute("data-unit"), 10) || 1440;
    var colW = from.getBoundingClientRect().width / cols;
    var shift = Math.round((ev.clientX - d.x) / colW);
    var sameVehicle = t.getAttribute("data-vehicle") === (from.getAttribute("data-vehicle") || "");
    if (sameVehicle && shift === 0) return;
    var start = new Date(new Date(d.bar.getAttribute("data-start")).getTime() + shift * unit * 60000);
    var q = new URLSearchParams(d.board.getAttribute("data-q"));
    var values = { reservation: d.bar.getAttribute("data-res"), vehicle: t.getAttribute("data-vehicle"),
      pickup: start.toISOString().replace(/\.\d{3}Z$/, "Z") };
    q.forEach(function (v, k) { values[k] = v; });
    d.board.classList.add("saving");
    htmx.ajax("POST", "/admin/planning/move", { source: d.board, target: "#board", swap: "outerHTML", values: values });
  });
  document.addEventListener("pointercancel", function () { if (drag) { reset(drag); drag = null; } });
  // A drag must not follow the bar's link.
  document.addEventListener("click", function (ev) {
    var bar = ev.target instanceof Element ? ev.target.closest(".bar[data-dragged]") : null;
    if (bar) { ev.preventDefault(); bar.removeAttribute("data-dragged"); }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (ev) {
    // No refresh while a bar is being dragged.
    if (drag && drag.moved && ev.detail.elt && ev.detail.elt.id === "board" && ev.detail.requestConfig.verb === "get") ev.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (ev) {
    // A refused move (409/422) still answers the board with its message.
    var s = ev.detail.xhr.status;
    if ((s === 409 || s === 422) && ev.detail.target && ev.detail.target.id === "board") {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function () {
    var b = document.getElementById("board");
    if (b) { b.classList.remove("saving"); layout(b); }
  });
  // Keep the last move's message for a while across the 15 s refreshes.
  var lastMsg = null;
  document.addEventListener("htmx:afterSettle", function (ev) {
    var b = document.getElementById("board");
    layout(b);
    var m = document.getElementById("board-msg");
    if (!m) return;
    if (ev.detail.requestConfig && ev.detail.requestConfig.verb === "post") {
      lastMsg = { text: m.textContent, cls: m.className, role: m.getAttribute("role"), at: Date.now() };
    } else if (lastMsg && m.textContent === "" && Date.now() - lastMsg.at < 20000) {
      m.textContent = lastMsg.text;
      m.className = lastMsg.cls;
      m.setAttribute("role", lastMsg.role);
    }
  });
  document.addEventListener("htmx:load", function () { layout(document.getElementById("board")); });
  if (document.readyState !== "loading") layout(document.getElementById("board"));
  else document.addEventListener("DOMContentLoaded", function () { layout(document.getElementById("board")); });
})();
