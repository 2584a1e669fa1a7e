// Receive Mietwerk webhooks and check their signature (Standard Webhooks).
// Node.js 18 or later, no packages. Run: MIETWERK_WEBHOOK_SECRET=whsec_… node verify-webhook.js
const crypto = require("node:crypto");
const http = require("node:http");

const secret = process.env.MIETWERK_WEBHOOK_SECRET; // the endpoint's secret, shown once in Mietwerk
const key = Buffer.from(secret.slice("whsec_".length), "base64");

// verify reports whether the raw body (a Buffer) was signed with the secret
// less than 5 minutes ago.
function verify(headers, body) {
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"], sigs = headers["webhook-signature"];
  if (!id || !ts || !sigs || !/^[0-9]+$/.test(ts)) return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 5 * 60) return false; // too old or from the future: replayed
  const expected = crypto.createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest();
  return sigs.split(" ").some((s) => {
    const [version, sig] = s.split(",", 2);
    if (version !== "v1" || !sig) return false;
    const got = Buffer.from(sig, "base64");
    return got.length === expected.length && crypto.timingSafeEqual(got, expected);
  });
}

const seen = new Set(); // in production: a table with a unique key on the event id

http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks); // verify the bytes as received: never parse and re-serialise first
    if (req.method !== "POST" || !verify(req.headers, body)) {
      res.writeHead(400);
      return res.end();
    }
    const id = req.headers["webhook-id"]; // the same on every retry of this event
    if (!seen.has(id)) {
      seen.add(id);
      const event = JSON.parse(body);
      console.log(event.type, event.data.number ?? event.data.booking);
    }
    res.writeHead(204); // answer at once; do slow work afterwards
    res.end();
  });
}).listen(Number(process.env.PORT || 8080));
