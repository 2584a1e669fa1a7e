// Mietwerk handover/return: the signature pad. Pointer events draw on the
// canvas (finger, pen or mouse); on submit the drawing goes into the hidden
// "signature" input as a PNG data URL. An untouched pad sends nothing.
(function () {
  "use strict";
  function init() {
    var c = document.getElementById("sigpad");
    var input = document.getElementById("f-signature");
    if (!c || !input) return;
    var ctx = c.getContext("2d");
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    var drawing = false, dirty = false;
    function pos(e) {
      var r = c.getBoundingClientRect();
      return { x: (e.clientX - r.left) * c.width / r.width, y: (e.clientY - r.top) * c.height / r.height };
    }
    c.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      drawing = true;
      if (c.setPointerCapture) { try { c.setPointerCapture(e.pointerId); } catch (x) {} }
      var p = pos(e);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
      dirty = true;
    });
    c.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      e.preventDefault();
      var p = pos(e);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      dirty = true;
    });
    function end() { drawing = false; if (dirty) input.value = c.toDataURL("image/png"); }
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", end);
    c.addEventListener("pointerleave", end);
    var clear = document.getElementById("sig-clear");
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, c.width, c.height);
      dirty = false;
      input.value = "";
    });
    var form = c.closest("form");
    if (form) form.addEventListener("submit", function () { if (dirty) input.value = c.toDataURL("image/png"); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
