// Mietwerk booking widget: <mietwerk-booking api-key="mwk_public_…" station="SR" lang="de">.
// One custom element in a shadow root: the month calendar (days with nothing free greyed out), pickup and
// return in the station's local time, the quote, the customer's and the card's data, the booking and its
// confirmation. Themable by CSS variables (--mw-accent, --mw-font, …) on the element or any ancestor.
(function () {
  "use strict";
  if (window.customElements.get("mietwerk-booking")) return;
  // Texts from Mietwerk's catalog, filled in by the server (keys widget.*): {de: {key: text | {one, other}}, en: …}.
  const TEXTS = /*TEXTS*/ {};
  const scriptSrc = (document.currentScript && document.currentScript.src) || location.href;

  const css = `
:host{display:block;font-family:var(--mw-font,inherit);color:var(--mw-fg,#1f2933);--a:var(--mw-accent,#0b5cad);--e:var(--mw-error,#b00020);
--b:var(--mw-border,#8a94a6);--m:var(--mw-muted,#4f5b6a);--r:var(--mw-radius,6px)}
*{box-sizing:border-box}
.w{background:var(--mw-bg,#fff);border:1px solid var(--b);border-radius:var(--r);padding:1em;max-width:46em}
h2{font-size:1.3em;margin:0 0 .6em}h3{font-size:1.05em;margin:0}
fieldset{border:1px solid var(--b);border-radius:var(--r);margin:0 0 1em;padding:.6em .9em}legend{font-weight:600;padding:0 .3em}
label{display:block;margin:.35em 0;font-weight:500}
.f{display:grid;grid-template-columns:repeat(auto-fill,minmax(13em,1fr));gap:.2em 1em}
input,select,button{font:inherit;color:inherit}
input,select{display:block;width:100%;margin-top:.15em;padding:.35em .45em;border:1px solid var(--b);border-radius:var(--r);background:var(--mw-bg,#fff)}
input:focus-visible,select:focus-visible,button:focus-visible{outline:3px solid var(--a);outline-offset:1px}
[aria-invalid=true]{border-color:var(--e);border-width:2px}
.err{color:var(--e);font-weight:500;margin:.15em 0 0}
.hint{color:var(--m);margin:.3em 0}
.btn{background:var(--a);color:var(--mw-accent-fg,#fff);border:0;border-radius:var(--r);padding:.55em 1.2em;font-weight:600;cursor:pointer}
.btn[disabled]{opacity:.6;cursor:progress}
.lnk{background:none;border:1px solid var(--b);border-radius:var(--r);padding:.3em .7em;cursor:pointer}
.cal-head{display:flex;align-items:center;justify-content:space-between;gap:.5em;margin:.3em 0}
.days{display:grid;grid-template-columns:repeat(7,1fr);gap:3px}
.wd{text-align:center;font-size:.85em;color:var(--m)}
.day{padding:.45em 0;border:1px solid var(--b);border-radius:var(--r);background:var(--mw-bg,#fff);cursor:pointer;text-align:center}
.day[disabled]{background:var(--mw-unavailable,#eceef1);color:#5a6270;border-color:transparent;cursor:not-allowed;text-decoration:line-through}
.day[aria-pressed=true],.day.range{background:var(--a);color:var(--mw-accent-fg,#fff);border-color:var(--a)}
.day small{display:block;font-size:.7em}
.sel{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.box{border-left:4px solid var(--a);background:var(--mw-box,#f3f6fa);padding:.6em .9em;margin:.6em 0;border-radius:var(--r)}
.box.bad{border-left-color:var(--e)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2em 1em;margin:.4em 0}dt{color:var(--m)}dd{margin:0;font-weight:600}
`;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  const pad = (n) => String(n).padStart(2, "0");

  // offsetMinutes returns the UTC offset of time zone tz at instant ms (Intl, no library).
  function offsetMinutes(tz, ms) {
    const p = {};
    new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms)).forEach((x) => { p[x.type] = x.value; });
    return Math.round((Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - ms) / 60000);
  }
  // stationTime turns a local date (YYYY-MM-DD) and time (HH:MM) at the station into RFC 3339 with the
  // station's offset on that day, whatever the browser's own time zone is.
  function stationTime(tz, date, time) {
    const [y, m, d] = date.split("-").map(Number), [h, mi] = time.split(":").map(Number);
    const guess = Date.UTC(y, m - 1, d, h, mi);
    let off = offsetMinutes(tz, guess - offsetMinutes(tz, guess) * 60000);
    const sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return date + "T" + pad(h) + ":" + pad(mi) + ":00" + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }
  function todayIn(tz) {
    const p = {};
    new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date()).forEach((x) => { p[x.type] = x.value; });
    return p.year + "-" + p.month + "-" + p.day;
  }
  const minutes = (hhmm) => { const [h, m] = hhmm.split(":").map(Number); return h * 60 + m; };
  const clock = (min) => pad(Math.floor(min / 60)) + ":" + pad(min % 60);

  class MietwerkBooking extends HTMLElement {
    static get observedAttributes() { return ["lang", "station"]; }

    connectedCallback() {
      if (this._root) return;
      this._root = this.attachShadow({ mode: "open" });
      this.ln = (this.getAttribute("lang") || document.documentElement.lang || "de").slice(0, 2) === "en" ? "en" : "de";
      this.base = this.getAttribute("api-base") || new URL(scriptSrc, location.href).origin;
      this.state = { month: "", pickup: "", ret: "", mode: "pickup", days: {}, station: null, quote: null };
      this.sent = { key: "", body: "" }; // one Idempotency-Key per filled form
      this.busy = false;
      this.render();
      this.load();
    }

    attributeChangedCallback(name, oldV, newV) {
      if (!this._root || oldV === newV) return;
      if (name === "lang") this.ln = (newV || "de").slice(0, 2) === "en" ? "en" : "de";
      this.state = { month: "", pickup: "", ret: "", mode: "pickup", days: {}, station: null, quote: null };
      this.render();
      this.load();
    }

    t(key, params) {
      let s = (TEXTS[this.ln] || {})[key] || (TEXTS.de || {})[key] || key;
      if (typeof s === "object") s = params && params.n === 1 ? s.one : s.other;
      return s.replace(/\{([a-z0-9_]+)\}/g, (m, k) => (params && k in params ? String(params[k]) : m));
    }
    money(c, cur) {
      return (c / 100).toLocaleString(this.ln === "en" ? "en-GB" : "de-DE", { style: "currency", currency: cur || "EUR" });
    }
    dateText(d, long) {
      const [y, m, dd] = d.split("-").map(Number);
      return new Date(Date.UTC(y, m - 1, dd, 12)).toLocaleDateString(this.ln === "en" ? "en-GB" : "de-DE",
        long ? { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }
          : { weekday: "short", day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" });
    }
    $(sel) { return this._root.querySelector(sel); }

    async api(method, path, body, headers) {
      const h = Object.assign({ Authorization: "Bearer " + (this.getAttribute("api-key") || ""), "Accept-Language": this.ln }, headers || {});
      if (body !== undefined) h["Content-Type"] = "application/json";
      let r;
      try {
        r = await fetch(this.base + "/api/v1" + path, { method, headers: h, body: body === undefined ? undefined : body });
      } catch (e) {
        return { status: 0, body: { title: this.t("widget.offline"), detail: this.t("widget.offline_detail") } };
      }
      let j = {};
      try { j = await r.json(); } catch (e) { /* an answer without JSON: the status says enough */ }
      return { status: r.status, body: j };
    }

    render() {
      const t = (k, p) => this.t(k, p);
      const fixed = this.getAttribute("station");
      this._root.innerHTML = `<style>${css}</style>
<div class="w" lang="${this.ln}">
<form novalidate>
<h2>${t("widget.title")}</h2>
<div class="box bad" id="summary" role="alert" tabindex="-1" hidden></div>
<fieldset><legend>${t("widget.period")}</legend>
<div class="f">
${fixed ? "" : `<label>${t("widget.station")}<select name="station" id="f-station"></select></label>`}
<label>${t("widget.category")}<select name="category" id="f-category"></select></label>
</div>
<p class="hint" id="station-info" aria-live="polite"></p>
<div class="cal-head"><button type="button" class="lnk" id="prev">‹ <span class="sr">${t("widget.prev_month")}</span></button>
<h3 id="month" aria-live="polite"></h3>
<button type="button" class="lnk" id="next"><span class="sr">${t("widget.next_month")}</span> ›</button></div>
<p class="hint" id="cal-hint"></p>
<div class="days" id="days" role="group" aria-labelledby="month"></div>
<div class="sel">
<div><label for="f-pickup">${t("widget.pickup")}</label><p class="hint" id="pickup-date">–</p>
<select name="pickup" id="f-pickup" aria-describedby="pickup-date"></select></div>
<div><label for="f-return">${t("widget.return")}</label><p class="hint" id="return-date">–</p>
<select name="return" id="f-return" aria-describedby="return-date"></select></div>
</div>
<div id="quote" aria-live="polite"></div>
</fieldset>
<fieldset><legend>${t("widget.you")}</legend><div class="f">
${this.field("customer.first_name", "widget.first_name", "text", "given-name")}
${this.field("customer.last_name", "widget.last_name", "text", "family-name")}
${this.field("customer.email", "widget.email", "email", "email")}
${this.field("customer.phone", "widget.phone", "tel", "tel")}
${this.field("customer.street", "widget.street", "text", "street-address")}
${this.field("customer.postal_code", "widget.postal_code", "text", "postal-code")}
${this.field("customer.city", "widget.city", "text", "address-level2")}
${this.field("customer.birth_date", "widget.birth_date", "date", "bday")}
</div></fieldset>
<fieldset><legend>${t("widget.payment")}</legend><div class="f">
${this.field("payment.card.holder", "widget.card_holder", "text", "cc-name")}
${this.field("payment.card.number", "widget.card_number", "text", "cc-number", 'inputmode="numeric"')}
${this.field("payment.card.exp_month", "widget.exp_month", "text", "cc-exp-month", 'inputmode="numeric" maxlength="2"')}
${this.field("payment.card.exp_year", "widget.exp_year", "text", "cc-exp-year", 'inputmode="numeric" maxlength="4"')}
${this.field("payment.card.cvv", "widget.cvv", "text", "cc-csc", 'inputmode="numeric" maxlength="4"')}
</div><p class="hint">${t("widget.payment_hint")}</p></fieldset>
<button type="submit" class="btn" id="book">${t("widget.book")}</button>
<p class="hint" id="busy" aria-live="polite"></p>
</form>
<div id="done" role="status" tabindex="-1" hidden></div>
</div>`;
      this._root.querySelector("form").addEventListener("submit", (ev) => { ev.preventDefault(); this.book(); });
      this.$("#prev").addEventListener("click", () => this.month(-1));
      this.$("#next").addEventListener("click", () => this.month(1));
      this.$("#f-category").addEventListener("change", () => { this.state.pickup = this.state.ret = ""; this.state.mode = "pickup"; this.calendar(); });
      const st = this.$("#f-station");
      if (st) st.addEventListener("change", () => this.chooseStation(st.value));
      this.$("#f-pickup").addEventListener("change", () => this.quote());
      this.$("#f-return").addEventListener("change", () => this.quote());
    }

    field(name, label, type, auto, extra) {
      const id = "f-" + name.replace(/\./g, "-");
      return `<div><label for="${id}">${this.t(label)}</label><input id="${id}" name="${name}" type="${type}" autocomplete="${auto}" ${extra || ""}
aria-describedby="${id}-err"><p class="err" id="${id}-err"></p></div>`;
    }

    async load() {
      const [st, cats] = await Promise.all([this.api("GET", "/stations"), this.api("GET", "/vehicle-categories")]);
      if (st.status !== 200) return this.problem(st.body);
      if (cats.status !== 200) return this.problem(cats.body);
      this.stations = st.body.stations;
      const sel = this.$("#f-category");
      cats.body.vehicle_categories.forEach((c) => sel.add(new Option(c.name + (c.example_model ? " (" + c.example_model + ")" : ""), c.code)));
      const want = this.getAttribute("category");
      if (want) sel.value = want;
      const ss = this.$("#f-station");
      if (ss) this.stations.forEach((s) => ss.add(new Option(s.name, s.code)));
      const code = this.getAttribute("station") || (this.stations[0] && this.stations[0].code);
      if (ss) ss.value = code;
      this.chooseStation(code);
    }

    chooseStation(code) {
      const s = (this.stations || []).find((x) => x.code === code);
      if (!s) return this.problem({ title: this.t("widget.no_station"), detail: code || "" });
      Object.assign(this.state, { station: s, pickup: "", ret: "", mode: "pickup", days: {}, month: todayIn(s.time_zone).slice(0, 7) });
      const a = s.address || {};
      this.$("#station-info").textContent = this.t("widget.station_info", { name: s.name, address: [a.street, [a.postal_code, a.city].join(" ")].join(", "),
        zone: s.time_zone });
      this.calendar();
    }

    month(step) {
      const [y, m] = this.state.month.split("-").map(Number);
      const d = new Date(Date.UTC(y, m - 1 + step, 1));
      this.state.month = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1);
      this.calendar();
    }

    async calendar() {
      const s = this.state.station;
      if (!s) return;
      const month = this.state.month, cat = this.$("#f-category").value;
      const [y, m] = month.split("-").map(Number);
      this.$("#month").textContent = new Date(Date.UTC(y, m - 1, 1, 12)).toLocaleDateString(this.ln === "en" ? "en-GB" : "de-DE",
        { month: "long", year: "numeric", timeZone: "UTC" });
      this.$("#prev").disabled = month <= todayIn(s.time_zone).slice(0, 7);
      this.$("#cal-hint").textContent = this.t(this.state.mode === "pickup" ? "widget.choose_pickup" : "widget.choose_return");
      const q = new URLSearchParams({ station: s.code, month: month });
      if (cat) q.set("category", cat);
      const r = await this.api("GET", "/availability/calendar?" + q);
      if (month !== this.state.month) return; // a newer month was asked for meanwhile
      if (r.status !== 200) return this.problem(r.body);
      r.body.days.forEach((d) => { this.state.days[d.date] = d; });
      const box = this.$("#days");
      box.innerHTML = "";
      const wd = this.ln === "en" ? ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] : ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
      wd.forEach((w) => { const e = document.createElement("span"); e.className = "wd"; e.setAttribute("aria-hidden", "true"); e.textContent = w; box.appendChild(e); });
      const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
      for (let i = 0; i < (first + 6) % 7; i++) box.appendChild(document.createElement("span"));
      r.body.days.forEach((d) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "day";
        b.dataset.date = d.date;
        const open = d.opening_hours.length > 0;
        const ok = this.state.mode === "pickup" ? d.available : open && d.date >= this.state.pickup;
        b.disabled = !ok;
        const why = d.available ? this.t("widget.free", { n: d.free }) : d.reasons.map((x) => x.message).join(" ");
        b.setAttribute("aria-pressed", String(d.date === this.state.pickup || d.date === this.state.ret));
        if (this.state.pickup && this.state.ret && d.date > this.state.pickup && d.date < this.state.ret) b.classList.add("range");
        // the visible day number, the whole date and its state for screen readers (no aria-label: the name holds the visible text)
        b.innerHTML = `<span aria-hidden="true">${+d.date.slice(8)}</span><span class="sr"></span>` +
          (d.available && this.state.mode === "pickup" ? `<small aria-hidden="true">${d.free}</small>` : "");
        b.querySelector(".sr").textContent = this.dateText(d.date, true) + ": " + (this.state.mode === "pickup" || !open ? why : this.t("widget.open"));
        b.addEventListener("click", () => this.pick(d.date));
        box.appendChild(b);
      });
    }

    // pick takes a clicked day as pickup, then as return day.
    pick(date) {
      const st = this.state;
      if (st.mode === "pickup" || date < st.pickup) {
        Object.assign(st, { pickup: date, ret: "", mode: "return" });
      } else {
        Object.assign(st, { ret: date, mode: "pickup" });
      }
      this.$("#pickup-date").textContent = st.pickup ? this.dateText(st.pickup) : "–";
      this.$("#return-date").textContent = st.ret ? this.dateText(st.ret) : "–";
      this.slots("#f-pickup", st.pickup, false);
      this.slots("#f-return", st.ret, true);
      this.calendar();
      this.quote();
    }

    // slots fills a time select with the day's opening times in half hours (the station's local time).
    slots(sel, date, last) {
      const el = this.$(sel);
      el.innerHTML = "";
      const d = this.state.days[date];
      if (!d) return;
      d.opening_hours.forEach((sp) => {
        for (let t = minutes(sp.open); t < minutes(sp.close === "00:00" ? "24:00" : sp.close); t += 30) el.add(new Option(clock(t), clock(t)));
      });
      if (!last) {
        const nine = Array.from(el.options).find((o) => o.value >= "09:00");
        if (nine) el.value = nine.value;
      } else if (el.options.length) {
        el.value = el.options[el.options.length - 1].value;
      }
    }

    period() {
      const st = this.state, p = this.$("#f-pickup").value, r = this.$("#f-return").value;
      if (!st.pickup || !st.ret || !p || !r) return null;
      return { pickup: stationTime(st.station.time_zone, st.pickup, p), ret: stationTime(st.station.time_zone, st.ret, r) };
    }

    async quote() {
      const box = this.$("#quote"), per = this.period();
      box.innerHTML = "";
      this.state.quote = null;
      if (!per) return;
      const q = new URLSearchParams({ station: this.state.station.code, category: this.$("#f-category").value, pickup: per.pickup, return: per.ret });
      const r = await this.api("GET", "/availability?" + q);
      const now = this.period();
      if (!now || now.pickup !== per.pickup || now.ret !== per.ret) return;
      if (r.status === 422) return this.fieldErrors(r.body);
      if (r.status !== 200) return this.problem(r.body);
      const o = r.body.offers[0];
      const div = document.createElement("div");
      div.className = "box" + (o.available ? "" : " bad");
      div.id = "quote-box";
      if (o.available) {
        const c = o.quote.currency;
        this.state.quote = o.quote;
        div.innerHTML = `<strong></strong><dl><dt>${this.t("widget.charge_now")}</dt><dd>${this.money(o.quote.charge_now_cents, c)}</dd>
<dt>${this.t("widget.deposit")}</dt><dd>${this.money(o.quote.deposit_cents, c)}</dd>
<dt>${this.t("widget.estimated_total")}</dt><dd>${this.money(o.quote.estimated_total_cents, c)}</dd></dl>`;
        div.querySelector("strong").textContent = this.t("widget.quote", { category: o.category.name, days: o.quote.days });
      } else {
        div.textContent = this.t("widget.unavailable") + " " + o.reasons.map((x) => x.message).join(" ");
      }
      box.appendChild(div);
    }

    clearErrors() {
      this._root.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
      this._root.querySelectorAll(".err").forEach((e) => { e.textContent = ""; });
      const s = this.$("#summary");
      s.hidden = true;
      s.innerHTML = "";
    }

    // problem shows an error that belongs to no field at the top of the form.
    problem(p, extra) {
      const s = this.$("#summary");
      s.hidden = false;
      const h = document.createElement("p");
      h.innerHTML = "<strong></strong> <span></span>";
      h.querySelector("strong").textContent = p.title || this.t("widget.error");
      h.querySelector("span").textContent = p.detail || "";
      s.appendChild(h);
      (extra || []).forEach((line) => { const li = document.createElement("p"); li.textContent = line; s.appendChild(li); });
      s.focus();
    }

    // fieldErrors puts every field error next to its field and lists the others at the top.
    fieldErrors(p) {
      const rest = [];
      let first = null;
      (p.errors || []).forEach((e) => {
        let input = this._root.querySelector(`[name="${CSS.escape(e.field)}"]`);
        if (!input && e.field.startsWith("payment")) input = this.$("#f-payment-card-number");
        if (!input) { rest.push(e.message); return; }
        input.setAttribute("aria-invalid", "true");
        let msg = this._root.getElementById(input.id + "-err");
        if (!msg) {
          msg = document.createElement("p");
          msg.className = "err";
          msg.id = input.id + "-err";
          input.insertAdjacentElement("afterend", msg);
          input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + msg.id).trim());
        }
        msg.textContent = msg.textContent ? msg.textContent + " " + e.message : e.message;
        first = first || input;
      });
      const s = this.$("#summary");
      s.hidden = false;
      s.innerHTML = "";
      const h = document.createElement("p");
      h.textContent = this.t("widget.check_fields", { n: (p.errors || []).length });
      s.appendChild(h);
      rest.forEach((line) => { const li = document.createElement("p"); li.textContent = line; s.appendChild(li); });
      (first || s).focus();
    }

    body() {
      const v = (n) => { const e = this._root.querySelector(`[name="${n}"]`); return e ? e.value.trim() : ""; };
      const per = this.period() || { pickup: "", ret: "" };
      const num = (s) => (/^\d+$/.test(s) ? Number(s) : 0);
      return {
        station: this.state.station ? this.state.station.code : "", category: this.$("#f-category").value, pickup: per.pickup, return: per.ret,
        customer: { email: v("customer.email"), first_name: v("customer.first_name"), last_name: v("customer.last_name"), street: v("customer.street"),
          postal_code: v("customer.postal_code"), city: v("customer.city"), phone: v("customer.phone"), birth_date: v("customer.birth_date"), language: this.ln },
        payment: { card: { number: v("payment.card.number").replace(/[\s-]/g, ""), exp_month: num(v("payment.card.exp_month")),
          exp_year: num(v("payment.card.exp_year")), cvv: v("payment.card.cvv"), holder: v("payment.card.holder") } },
      };
    }

    async book() {
      if (this.busy) return; // a second click while the first request runs books nothing
      this.clearErrors();
      const body = JSON.stringify(this.body());
      if (body !== this.sent.body) this.sent = { key: uuid(), body: body }; // the same form sent again keeps its key
      const btn = this.$("#book");
      this.busy = true;
      btn.disabled = true;
      this._root.querySelector("form").setAttribute("aria-busy", "true");
      this.$("#busy").textContent = this.t("widget.busy");
      try {
        const r = await this.api("POST", "/bookings", body, { "Idempotency-Key": this.sent.key });
        if (r.status === 201 || r.status === 202) return this.confirmed(r.status, r.body);
        if (r.status === 422) return this.fieldErrors(r.body);
        if (r.status === 402) {
          this.$("#f-payment-card-number").setAttribute("aria-invalid", "true");
          this.$("#f-payment-card-number-err").textContent = r.body.detail || "";
        }
        if (r.status === 409) this.calendar();
        this.problem(r.body);
      } finally {
        this.busy = false;
        btn.disabled = false;
        this._root.querySelector("form").removeAttribute("aria-busy");
        this.$("#busy").textContent = "";
      }
    }

    confirmed(status, b) {
      this.own = { number: b.number, secret: b.booking_secret };
      this._root.querySelector("form").hidden = true;
      const done = this.$("#done");
      done.hidden = false;
      const brands = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", maestro: "Maestro" };
      const pc = b.payments && b.payments[0] && b.payments[0].card;
      const card = pc && pc.last4 ? (brands[pc.brand] || this.t("widget.card")) + " •••• " + pc.last4 : "";
      done.innerHTML = `<div class="box" id="confirmation"><h3></h3><dl>
<dt>${this.t("widget.booking_number")}</dt><dd id="booking-number"></dd>
<dt>${this.t("widget.pickup")}</dt><dd id="c-pickup"></dd><dt>${this.t("widget.return")}</dt><dd id="c-return"></dd>
<dt>${this.t("widget.paid")}</dt><dd id="c-paid"></dd><dt>${this.t("widget.deposit")}</dt><dd id="c-deposit"></dd>
<dt>${this.t("widget.invoice")}</dt><dd id="c-invoice"></dd></dl><p class="hint" id="c-mail"></p>
<button type="button" class="lnk" id="cancel">${this.t("widget.cancel")}</button><p id="cancelled" aria-live="polite"></p></div>`;
      const set = (id, text) => { done.querySelector(id).textContent = text; };
      set("h3", this.t(status === 201 ? "widget.booked" : "widget.pending"));
      set("#booking-number", b.number);
      const when = (s) => this.dateText(s.slice(0, 10)) + ", " + s.slice(11, 16);
      set("#c-pickup", when(b.pickup) + " – " + b.station.name);
      set("#c-return", when(b.return));
      set("#c-paid", this.money(b.price.charged_now_cents, b.price.currency) + (card ? " (" + card + ")" : ""));
      set("#c-deposit", this.money(b.price.deposit_cents, b.price.currency));
      set("#c-invoice", b.invoice_number || this.t("widget.invoice_follows"));
      set("#c-mail", this.t("widget.mail_sent", { email: b.customer.email }));
      done.querySelector("#cancel").addEventListener("click", () => this.cancelOwn());
      done.focus();
      this.dispatchEvent(new CustomEvent("mietwerk:booked", { bubbles: true, composed: true, detail: { number: b.number, status: b.status } }));
    }

    async cancelOwn() {
      const btn = this.$("#cancel");
      if (btn.disabled) return;
      btn.disabled = true;
      const r = await this.api("POST", "/bookings/" + encodeURIComponent(this.own.number) + "/cancel", undefined,
        { "Booking-Secret": this.own.secret, "Idempotency-Key": uuid() });
      const out = this.$("#cancelled");
      if (r.status !== 200) {
        btn.disabled = false;
        out.textContent = (r.body.title || "") + " " + (r.body.detail || "");
        return;
      }
      out.textContent = this.t("widget.cancelled", { refund: this.money(r.body.cancellation.refund_cents, r.body.price.currency) });
    }
  }
  window.customElements.define("mietwerk-booking", MietwerkBooking);
})();
