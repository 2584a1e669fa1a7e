// Planning board: places the bars and lets staff drag a reservation to
// another vehicle or time with pointer events (mouse, pen and touch). A drop
// is sent to the server through htmx; the server answers the whole board,
// so a refused move shows the bar back in its stored place with a message.
//
// The same move works from the keyboard (WCAG 2.1.1): Space on a focused
// movable bar picks it up; Arrow Up/Down choose the previous/next vehicle
// row (any vehicle row, as a drag may reach), Arrow Left/Right shift it by
// one column of the board (a day, or an hour when zoomed); Enter or Space
// drops it through the same POST /admin/planning/move as a drag, Escape (or
// Tab away) cancels. Every step is announced in #board-live; the 15 s
// refresh pauses while a bar is picked up, and focus returns to the bar
// after the board is re-rendered. Enter on a bar not picked up follows its
// link to the reservation, as before.
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
    if (kb) cancelKey();
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

  // ---- keyboard moves ----
  var kb = null;        // the picked-up bar: {bar, board, from, track, shift, cols, unit}
  var focusRes = null;  // reservation whose bar gets the focus after the next board swap
  var keySaving = false; // a keyboard drop is being saved
  function live() { return document.getElementById("board-live"); }
  function text(name) { var l = live(); return (l && l.getAttribute("data-t-" + name)) || ""; }
  // fill puts the arguments into the catalog's positional parameters {0}, {1}, …
  function fill(s) {
    var args = arguments;
    return s.replace(/\{(\d+)\}/g, function (m, i) { i = +i + 1; return i < args.length ? String(args[i]) : ""; });
  }
  function say(msg) {
    var l = live();
    if (!l) return;
    // the same text twice must still be announced: make it differ
    l.textContent = l.textContent === msg ? msg + "\u00a0" : msg;
  }
  function barName(bar) { return bar.getAttribute("data-number") || bar.textContent.trim(); }
  function when(board, ms) {
    var lang = document.documentElement.lang === "en" ? "en-GB" : "de-DE";
    try {
      return new Intl.DateTimeFormat(lang, { timeZone: board.getAttribute("data-tz") || undefined, weekday: "short",
        day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
    } catch (e) {
      return new Date(ms).toLocaleString(lang);
    }
  }
  function startMs(d) { return new Date(d.bar.getAttribute("data-start")).getTime() + d.shift * d.unit * 60000; }
  function position(d) {
    var label = d.track.hasAttribute("data-vehicle") ? d.track.getAttribute("data-label") : text("unassigned");
    return fill(text("at"), (label || "").trim(), when(d.board, startMs(d)));
  }
  function vehicleTracks(board) { return Array.prototype.slice.call(board.querySelectorAll(".bt[data-vehicle]")); }
  function show(d) {
    var from = d.from.getBoundingClientRect(), to = d.track.getBoundingClientRect();
    var dx = d.shift * from.width / d.cols, dy = to.top - from.top;
    d.bar.style.transform = dx || dy ? "translate(" + dx + "px," + dy + "px)" : "";
    d.board.querySelectorAll(".bt.drop").forEach(function (t) { t.classList.remove("drop"); });
    if (d.track !== d.from || d.shift) d.track.classList.add("drop");
    d.bar.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  function clearKey(d) {
    d.bar.style.transform = "";
    d.bar.classList.remove("picked");
    d.board.classList.remove("moving");
    d.board.querySelectorAll(".bt.drop").forEach(function (t) { t.classList.remove("drop"); });
  }
  function pick(bar) {
    var board = bar.closest("#board"), from = bar.closest(".bt");
    if (!board || !from || keySaving) return;
    kb = { bar: bar, board: board, from: from, track: from, shift: 0,
      cols: parseInt(board.getAttribute("data-cols"), 10) || 1, unit: parseInt(board.getAttribute("data-unit"), 10) || 1440 };
    bar.classList.add("picked");
    board.classList.add("moving");
    say(fill(text("picked"), barName(bar), position(kb)));
  }
  function moveRow(dir) {
    var tracks = vehicleTracks(kb.board), i = tracks.indexOf(kb.track), next = null;
    if (i >= 0) {
      next = tracks[i + dir] || null;
    } else {
      // from the "unassigned" row: the nearest vehicle row below or above it
      for (var j = 0; j < tracks.length; j++) {
        var after = kb.track.compareDocumentPosition(tracks[j]) & Node.DOCUMENT_POSITION_FOLLOWING;
        if (dir > 0 && after) { next = tracks[j]; break; }
        if (dir < 0 && !after) next = tracks[j];
      }
    }
    if (!next) { say(text("edge")); return; }
    kb.track = next;
    show(kb);
    say(position(kb));
  }
  function shiftBy(n) {
    kb.shift += n;
    show(kb);
    say(position(kb));
  }
  function cancelKey() {
    var d = kb;
    kb = null;
    clearKey(d);
    say(fill(text("cancelled"), barName(d.bar)));
  }
  function drop() {
    var d = kb;
    if (!d.track.hasAttribute("data-vehicle")) { say(text("need_vehicle")); return; }
    kb = null;
    if (d.track === d.from && d.shift === 0) {
      clearKey(d);
      say(fill(text("unchanged"), barName(d.bar)));
      return;
    }
    var q = new URLSearchParams(d.board.getAttribute("data-q"));
    var values = { reservation: d.bar.getAttribute("data-res"), vehicle: d.track.getAttribute("data-vehicle"),
      pickup: new Date(startMs(d)).toISOString().replace(/\.\d{3}Z$/, "Z") };
    q.forEach(function (v, k) { values[k] = v; });
    d.bar.classList.remove("picked");
    d.board.classList.add("saving");
    focusRes = values.reservation;
    keySaving = true;
    say(fill(text("saving"), barName(d.bar)));
    htmx.ajax("POST", "/admin/planning/move", { source: d.board, target: "#board", swap: "outerHTML", values: values });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (kb) {
      switch (ev.key) {
        case "ArrowUp": moveRow(-1); break;
        case "ArrowDown": moveRow(1); break;
        case "ArrowLeft": shiftBy(-1); break;
        case "ArrowRight": shiftBy(1); break;
        case "Enter": case " ": drop(); break;
        case "Escape": cancelKey(); break;
        case "Tab": cancelKey(); return; // focus moves on as usual
        default: return;
      }
      ev.preventDefault();
      return;
    }
    if (ev.key !== " " || !(ev.target instanceof Element)) return;
    var bar = ev.target.closest(".bar[data-movable][data-res]");
    if (!bar || drag) return;
    ev.preventDefault();
    pick(bar);
  });
  // Focus leaving the picked-up bar for another element cancels the move.
  document.addEventListener("focusout", function (ev) {
    if (kb && ev.target === kb.bar && ev.relatedTarget instanceof Element) cancelKey();
  });

  document.addEventListener("htmx:beforeRequest", function (ev) {
    // No refresh while a bar is being dragged or is picked up.
    if ((drag && drag.moved || kb) && ev.detail.elt && ev.detail.elt.id === "board" && ev.detail.requestConfig.verb === "get") ev.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (!ev.detail.target || ev.detail.target.id !== "board") return;
    var verb = ev.detail.requestConfig && ev.detail.requestConfig.verb;
    // A refresh that was already on its way when a bar was picked up must not replace it.
    if (kb && verb === "get") { ev.detail.shouldSwap = false; return; }
    // Keep the keyboard focus on the same bar across the swap.
    var a = document.activeElement;
    if (!focusRes && a instanceof Element && a.matches("#board .bar[data-res]")) focusRes = a.getAttribute("data-res");
  });
  document.addEventListener("htmx:beforeSwap", function (ev) {
    // A refused move (409/422) still answers the board with its message.
    var s = ev.detail.xhr.status;
    if ((s === 409 || s === 422) && ev.detail.target && ev.detail.target.id === "board") {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  function saveFailed() {
    if (kb) return; // a failed refresh in flight: the picked-up bar stays
    var b = document.getElementById("board");
    if (b) {
      b.classList.remove("saving", "moving");
      b.querySelectorAll(".bar[data-res]").forEach(function (bar) { bar.style.transform = ""; });
      b.querySelectorAll(".bt.drop").forEach(function (t) { t.classList.remove("drop"); });
      layout(b);
    }
    if (keySaving) {
      keySaving = false;
      say(text("failed"));
      var bar = focusRes && b ? b.querySelector('.bar[data-res="' + focusRes + '"]') : null;
      focusRes = null;
      if (bar) bar.focus();
    }
  }
  document.addEventListener("htmx:responseError", saveFailed);
  document.addEventListener("htmx:sendError", saveFailed);
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
  // After a board swap: focus back on the bar that had it, and a keyboard
  // drop's outcome (the server's message) announced.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var b = document.getElementById("board");
    if (!b || !ev.detail.elt || (ev.detail.elt !== b && ev.detail.elt.id !== "board")) return;
    if (focusRes) {
      var bar = b.querySelector('.bar[data-res="' + focusRes + '"]');
      focusRes = null;
      if (bar) { bar.focus({ preventScroll: false }); bar.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    }
    if (keySaving) {
      keySaving = false;
      var m = document.getElementById("board-msg");
      if (m && m.textContent) say(m.textContent);
    }
  });
  document.addEventListener("htmx:load", function () { layout(document.getElementById("board")); });
  if (document.readyState !== "loading") layout(document.getElementById("board"));
  else document.addEventListener("DOMContentLoaded", function () { layout(document.getElementById("board")); });

  // ---- selecting a free period: press on an empty part of a vehicle's
  // row, drag along it and release; a click selects one column. The new
  // reservation form opens for that car and period (station time). ----
  var sel = null;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // local adds minutes to a "YYYY-MM-DDTHH:MM" station-local time without
  // any time zone arithmetic (the board's columns are station-local).
  function local(from, minutes) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(from);
    if (!m) return "";
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + minutes * 60000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function column(track, x, cols) {
    var r = track.getBoundingClientRect();
    return Math.max(0, Math.min(cols - 1, Math.floor((x - r.left) / (r.width / cols))));
  }
  function paint(s, x) {
    var a = Math.min(s.col, column(s.track, x, s.cols)), b = Math.max(s.col, column(s.track, x, s.cols));
    s.el.style.left = (100 * a / s.cols) + "%";
    s.el.style.width = (100 * (b - a + 1) / s.cols) + "%";
    return [a, b];
  }
  document.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0 || !(ev.target instanceof Element)) return;
    if (ev.target.closest(".bar")) return;
    var track = ev.target.closest(".bt[data-vehicle]");
    if (!track) return;
    var board = track.closest("#board");
    var cols = parseInt(board.getAttribute("data-cols"), 10) || 1;
    var el = document.createElement("div");
    el.className = "sel";
    track.appendChild(el);
    sel = { track: track, board: board, cols: cols, col: column(track, ev.clientX, cols), el: el };
    paint(sel, ev.clientX);
    track.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  document.addEventListener("pointermove", function (ev) { if (sel) paint(sel, ev.clientX); });
  document.addEventListener("pointerup", function (ev) {
    if (!sel) return;
    var s = sel;
    sel = null;
    var ab = paint(s, ev.clientX);
    var unit = parseInt(s.board.getAttribute("data-unit"), 10) || 1440;
    var from = s.board.getAttribute("data-from");
    var pickup, ret;
    if (unit >= 1440) { // whole days: pick up at 09:00 on the first, return at 17:00 on the last (next day's 09:00 for one day)
      pickup = local(from, ab[0] * 1440 + 9 * 60);
      ret = ab[1] > ab[0] ? local(from, ab[1] * 1440 + 17 * 60) : local(from, (ab[0] + 1) * 1440 + 9 * 60);
    } else {
      pickup = local(from, ab[0] * unit);
      ret = local(from, (ab[1] + 1) * unit);
    }
    var q = new URLSearchParams({ station: s.board.getAttribute("data-station"), vehicle: s.track.getAttribute("data-vehicle"),
      pickup: pickup, "return": ret });
    window.location.href = "/admin/reservations/new?" + q.toString();
  });
})();
