// Example integration of the Mietwerk booking API, as a dealer's website would do it.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const euro = (c, cur) => (c / 100).toLocaleString("de-DE", { style: "currency", currency: cur || "EUR" });
  function offset(d) {
    const m = -d.getTimezoneOffset(), s = m >= 0 ? "+" : "-", a = Math.abs(m);
    return s + String(Math.floor(a / 60)).padStart(2, "0") + ":" + String(a % 60).padStart(2, "0");
  }
  function rfc(v) { const d = new Date(v); return v + ":00" + offset(d); }
  async function call(method, path, body, extra) {
    const h = { Authorization: "Bearer " + $("key").value.trim(), "Accept-Language": "de" };
    if (body) h["Content-Type"] = "application/json";
    Object.assign(h, extra || {});
    const r = await fetch("/api/v1" + path, { method, headers: h, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json();
    return { status: r.status, body: j };
  }
  function showProblem(el, p) {
    el.innerHTML = "";
    const h = document.createElement("p"); h.className = "err"; h.textContent = p.title + ": " + p.detail; el.appendChild(h);
    (p.errors || []).forEach((e) => { const li = document.createElement("div"); li.className = "err"; li.textContent = e.field + ": " + e.message; el.appendChild(li); });
  }
  async function init() {
    const r = await call("GET", "/stations");
    if (r.status !== 200) { showProblem($("result"), r.body); return; }
    r.body.stations.forEach((s) => { const o = new Option(s.name + " (" + s.code + ")", s.code); $("station").add(o); });
    const weekday = (d) => { while (d.getDay() === 0 || d.getDay() === 6) d.setDate(d.getDate() + 1); return d; };
    const t = weekday(new Date(Date.now() + 3 * 86400000)); t.setHours(9, 0, 0, 0);
    const u = weekday(new Date(t.getTime() + 2 * 86400000)); u.setHours(17, 0, 0, 0);
    const fmt = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    if (!$("pickup").value) $("pickup").value = fmt(t);
    if (!$("return").value) $("return").value = fmt(u);
  }
  async function check() {
    const q = new URLSearchParams({ station: $("station").value, pickup: rfc($("pickup").value), return: rfc($("return").value),
      workshop: $("workshop_order").value ? "true" : "false" });
    const r = await call("GET", "/availability?" + q);
    const el = $("quote"); el.innerHTML = "";
    if (r.status !== 200) { showProblem(el, r.body); return; }
    $("category").innerHTML = "";
    r.body.offers.forEach((o) => {
      const label = o.category.name + (o.available ? " – heute " + euro(o.quote.charge_now_cents, o.quote.currency) +
        ", Kaution " + euro(o.quote.deposit_cents, o.quote.currency) + ", gesamt ca. " + euro(o.quote.estimated_total_cents, o.quote.currency)
        : " – nicht verfügbar: " + o.reasons.map((x) => x.message).join("; "));
      const opt = new Option(label, o.category.code); opt.disabled = !o.available; $("category").add(opt);
      const p = document.createElement("div"); p.textContent = label; p.className = o.available ? "ok" : "err"; el.appendChild(p);
    });
  }
  async function book(ev) {
    ev.preventDefault();
    const body = {
      customer: { email: $("email").value, first_name: $("first_name").value, last_name: $("last_name").value, street: $("street").value,
        postal_code: $("postal_code").value, city: $("city").value, phone: $("phone").value, birth_date: $("birth_date").value, language: "de" },
      station: $("station").value, category: $("category").value, pickup: rfc($("pickup").value), return: rfc($("return").value),
      workshop_order: $("workshop_order").value,
      payment: { card: { number: $("card_number").value.replace(/\s/g, ""), exp_month: +$("exp_month").value, exp_year: +$("exp_year").value, cvv: $("cvv").value } },
    };
    const key = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
    const r = await call("POST", "/bookings", body, { "Idempotency-Key": key });
    const el = $("result"); el.innerHTML = "";
    if (r.status !== 201 && r.status !== 202) { showProblem(el, r.body); return; }
    const b = r.body, p = document.createElement("p"); p.className = "ok"; p.id = "confirmation";
    // The booking secret opens this booking (and no other) with the public key: keep it for this
    // browser session only, never in a URL.
    own = { number: b.number, secret: b.booking_secret };
    sessionStorage.setItem("mietwerk-booking", JSON.stringify(own));
    $("manage").hidden = false;
    p.textContent = (r.status === 201 ? "Gebucht! " : "Zahlung wird noch bestätigt. ") + "Buchungsnummer " + b.number + ", Rechnung " +
      (b.invoice_number || "folgt") + ", bezahlt " + euro(b.price.charged_now_cents, b.price.currency) + " mit " +
      b.payments.map((x) => x.card.brand + " •••• " + x.card.last4)[0] + ".";
    el.appendChild(p);
  }
  let own = JSON.parse(sessionStorage.getItem("mietwerk-booking") || "null");
  if (own) $("manage").hidden = false;
  function showStatus(r, prefix) {
    const el = $("status"); el.innerHTML = "";
    if (r.status !== 200) { showProblem(el, r.body); return; }
    const p = document.createElement("p"); p.className = "ok"; p.id = "booking-status";
    const names = { pending_payment: "Zahlung wird bestätigt", confirmed: "bestätigt", active: "Fahrzeug übergeben", completed: "abgeschlossen",
      cancelled: "storniert", failed: "fehlgeschlagen" };
    p.textContent = prefix + "Buchung " + r.body.number + ": " + (names[r.body.status] || r.body.status) +
      (r.body.cancellation ? ", erstattet " + euro(r.body.cancellation.refund_cents, r.body.price.currency) : "") + ".";
    el.appendChild(p);
  }
  async function show() {
    showStatus(await call("GET", "/bookings/" + encodeURIComponent(own.number), null, { "Booking-Secret": own.secret }), "");
  }
  async function cancel() {
    const key = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
    showStatus(await call("POST", "/bookings/" + encodeURIComponent(own.number) + "/cancel", null,
      { "Booking-Secret": own.secret, "Idempotency-Key": key }), "Storniert: ");
  }
  $("check").addEventListener("click", check);
  $("f").addEventListener("submit", book);
  $("show").addEventListener("click", show);
  $("cancel").addEventListener("click", cancel);
  init();
})();
