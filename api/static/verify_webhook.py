# Check the signature of a Mietwerk webhook (Standard Webhooks). Python 3.9+,
# standard library only. body is the raw request body (bytes), headers the
# request headers, secret the endpoint's secret ("whsec_…").
import base64
import hashlib
import hmac
import time


def verify(secret: str, headers: dict, body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    sigs = headers.get("webhook-signature", "")
    if not msg_id or not ts.isdigit() or abs(time.time() - int(ts)) > 5 * 60:
        return False  # missing, too old or from the future: replayed
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    return any(
        hmac.compare_digest(s.split(",", 1)[1], expected)
        for s in sigs.split(" ")
        if s.startswith("v1,")
    )
