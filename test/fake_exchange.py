#!/usr/bin/env python3
"""A fake Binance / Coinbase Exchange / Kraken REST server for tradecore's tests.

Binds 127.0.0.1 only.  Serves the venues' public market-data endpoints in their real
response shapes (the same shapes as test/fixtures/exchanges, written from the venues'
public API docs) and, on request, broken answers:

    GET /__mode?venue=binance&mode=MODE     set the mode of one venue (or venue=all)
    GET /__stats                            JSON: requests served per venue and mode

MODE: ok, 429 (with Retry-After: 1), 500, 503, timeout (sleeps past any sane client
timeout), truncated (valid prefix only), huge (a 9 MB body), nan, negative, wrongtype,
error (the venue's own error body), garbage (HTML).

Order endpoints, in the venues' real shapes, signed with the test credentials below
(the signature, API key, passphrase and Kraken nonce are verified; a bad one gets the
venue's own authentication error):

    Binance   POST/GET/DELETE /api/v3/order (newClientOrderId / origClientOrderId)
    Coinbase  POST /orders, GET/DELETE /orders/client:<client_oid>
    Kraken    POST /0/private/AddOrder, CancelOrder, OpenOrders, ClosedOrders (cl_ord_id)

    GET /__order_mode?venue=V&mode=M   ok (orders rest open), fill (orders fill at once),
                                       reject (the venue's insufficient-funds error), 429,
                                       500 (HTML to placing requests, order not taken),
                                       timeout (the order is
                                       taken, then the answer hangs past any client timeout),
                                       garbage (the order is taken, the answer is HTML),
                                       badsig (verify with another secret)
    GET /__orders                      JSON: orders per venue by client id, and how many
                                       times each client id was placed (must never exceed 1)
    GET /__fill?venue=V&client_id=C&qty=Q&price=P[&fee=F]   fills an order (for the status
                                       sync); its cumulative fee grows by the fee rate times
                                       the filled quote, or becomes F when given (a venue
                                       data error when F is below the fee so far)
    GET /__fee_rate?rate=R             fee rate on the filled quote amount (default 0.001)

Fees are reported as the venues do in their order status: Coinbase fill_fees (16
decimals), Kraken fee (8 decimals), both cumulative and in the quote currency; Binance's
order answers carry no commission, so neither does this one's.

Usage: fake_exchange.py PORT   (prints "ready PORT" once listening)
"""
import base64
import hashlib
import hmac
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from decimal import Decimal

MODES = {"binance": "ok", "coinbase": "ok", "kraken": "ok"}
STATS = {}
LOCK = threading.Lock()
T0 = 1700892000  # fixed base time: bodies are deterministic except for the sequence


def count(venue, mode):
    with LOCK:
        key = f"{venue}:{mode}"
        STATS[key] = STATS.get(key, 0) + 1
        return sum(v for k, v in STATS.items() if k.startswith(venue + ":"))


def price(n, base="37140.01"):
    whole, frac = base.split(".")
    cents = int(whole) * 100 + int(frac) + (n % 7)
    return f"{cents // 100}.{cents % 100:02d}000000"


def binance(path, q, n):
    sym = q.get("symbol", ["BTCUSDT"])[0]
    if path == "/api/v3/ticker/bookTicker":
        return {"symbol": sym, "bidPrice": price(n), "bidQty": "1.50000000",
                "askPrice": price(n, "37140.02"), "askQty": "2.00000000"}
    if path == "/api/v3/ticker/24hr":
        return {"symbol": sym, "lastPrice": price(n), "bidPrice": price(n), "askPrice": price(n, "37140.02"),
                "volume": "28132.48719000", "closeTime": (T0 + n) * 1000}
    if path == "/api/v3/depth":
        return {"lastUpdateId": n, "bids": [[price(n), "1.0"], [price(n, "37139.00"), "2.0"]],
                "asks": [[price(n, "37141.00"), "1.0"], [price(n, "37142.00"), "3.0"]]}
    if path == "/api/v3/klines":
        return [[(T0 + 60 * i) * 1000, "37100.0", "37200.0", "37000.0", "37150.0", "10.5", (T0 + 60 * i + 59) * 1000,
                 "0", 1, "0", "0", "0"] for i in range(3)]
    return None


def coinbase(path, q, n):
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "products":
        return None
    if parts[2] == "ticker":
        return {"trade_id": n, "price": price(n)[:-6], "size": "0.01", "bid": price(n)[:-6],
                "ask": price(n, "37140.02")[:-6], "volume": "12345.6789", "time": "2023-11-25T07:12:34.567891Z"}
    if parts[2] == "book":
        return {"sequence": n, "bids": [[price(n)[:-6], "1.0", 1]], "asks": [[price(n, "37141.00")[:-6], "1.0", 2]]}
    if parts[2] == "candles":
        return [[T0 + 60 * i, 37000, 37200, 37100, 37150, 10.5] for i in reversed(range(3))]
    return None


def kraken(path, q, n):
    pair = "XXBTZUSD"
    if path == "/0/public/Ticker":
        return {"error": [], "result": {pair: {"a": [price(n, "37140.02"), "1", "1.000"], "b": [price(n), "1", "1.000"],
                                               "c": [price(n), "0.1"], "v": ["100.0", "4412.73601799"]}}}
    if path == "/0/public/Depth":
        return {"error": [], "result": {pair: {"asks": [[price(n, "37141.00"), "1.0", T0]],
                                               "bids": [[price(n), "1.0", T0]]}}}
    if path == "/0/public/OHLC":
        return {"error": [], "result": {pair: [[T0 + 60 * i, "37100.0", "37200.0", "37000.0", "37150.0", "37120.0",
                                                "10.5", 3] for i in range(3)], "last": T0}}
    return None


ERRORS = {
    "binance": {"code": -1121, "msg": "Invalid symbol."},
    "coinbase": {"message": "NotFound"},
    "kraken": {"error": ["EQuery:Unknown asset pair"]},
}


def venue_of(path):
    if path.startswith("/api/v3/"):
        return "binance"
    if path.startswith("/products/"):
        return "coinbase"
    if path.startswith("/0/public/"):
        return "kraken"
    return None


def corrupt(body, mode):
    """Make a well-formed body bad in the way mode says: the first price changes."""
    text = json.dumps(body)
    quoted = re.search(r'"37[0-9.]*"', text)
    bare = re.search(r"(?<![0-9.\"])37[0-9.]*", text)
    m = quoted or bare
    if m is None:
        return text
    value = m.group(0).strip('"')
    repl = {"nan": '"NaN"', "negative": f'"-{value}"', "wrongtype": "true"}.get(mode, m.group(0))
    return text[: m.start()] + repl + text[m.end():]


# ---- order endpoints ----
KEY = "tc-test-api-key"
SECRETS = {
    "binance": "tc-binance-test-secret",
    "coinbase": base64.b64encode(b"tc-coinbase-test-secret-bytes!!!").decode(),
    "kraken": base64.b64encode(b"tc-kraken-test-secret-bytes-0123456789abcdef").decode(),
}
PASSPHRASE = "tc-test-passphrase"
ORDER_MODES = {"binance": "ok", "coinbase": "ok", "kraken": "ok"}
ORDERS = {"binance": {}, "coinbase": {}, "kraken": {}}   # client id -> order
PLACED = {}                                               # "venue:client id" -> placements
KRAKEN_NONCE = [0]
FEE_RATE = [Decimal("0.001")]
SEQ = [1000]


def next_id():
    with LOCK:
        SEQ[0] += 1
        return SEQ[0]


def secret_for(venue):
    if ORDER_MODES[venue] == "badsig":
        return {"binance": "wrong", "coinbase": base64.b64encode(b"wrong").decode(),
                "kraken": base64.b64encode(b"wrong").decode()}[venue]
    return SECRETS[venue]


def new_order(venue, cid, side, otype, qty, price):
    """Stores an order (open, or filled in 'fill' mode) and counts the placement."""
    qty = Decimal(qty)
    px = Decimal(price) if price else Decimal("37000")
    filled = qty if ORDER_MODES[venue] == "fill" else Decimal(0)
    o = {"id": next_id(), "cid": cid, "side": side, "type": otype, "qty": qty, "price": price,
         "filled": filled, "quote": filled * px, "fee": filled * px * FEE_RATE[0],
         "status": "filled" if filled == qty else "open"}
    with LOCK:
        ORDERS[venue][cid] = o
        PLACED[f"{venue}:{cid}"] = PLACED.get(f"{venue}:{cid}", 0) + 1
    return o


def decimal_text(d, places):
    """A decimal string with a fixed number of places, as the venues write amounts."""
    return format(d.quantize(Decimal(1).scaleb(-places)), "f")


def binance_view(o, sym):
    st = {"open": "PARTIALLY_FILLED" if o["filled"] > 0 else "NEW", "filled": "FILLED", "canceled": "CANCELED"}[o["status"]]
    return {"symbol": sym, "orderId": o["id"], "orderListId": -1, "clientOrderId": o["cid"],
            "transactTime": int(time.time() * 1000), "price": o["price"] or "0.00000000",
            "origQty": str(o["qty"]), "executedQty": str(o["filled"]), "cummulativeQuoteQty": str(o["quote"]),
            "status": st, "timeInForce": "GTC", "type": o["type"].upper(), "side": o["side"].upper()}


def coinbase_view(o, sym):
    v = {"id": f"cb-{o['id']}", "client_oid": o["cid"], "product_id": sym, "side": o["side"], "type": o["type"],
         "size": str(o["qty"]), "filled_size": str(o["filled"]), "executed_value": str(o["quote"]),
         "fill_fees": decimal_text(o["fee"], 16), "post_only": False, "created_at": "2023-11-25T07:12:34.567891Z", "settled": False,
         "status": "done" if o["status"] in ("filled", "canceled") else "open"}
    if o["price"]:
        v["price"] = o["price"]
    if o["status"] in ("filled", "canceled"):
        v["done_reason"] = o["status"]
    return v


def kraken_view(o):
    return {"refid": None, "userref": 0, "cl_ord_id": o["cid"],
            "status": {"open": "open", "filled": "closed", "canceled": "canceled"}[o["status"]],
            "opentm": time.time(), "vol": str(o["qty"]), "vol_exec": str(o["filled"]), "cost": str(o["quote"]),
            "fee": decimal_text(o["fee"], 8), "price": "0", "descr": {"pair": "XBTUSD", "type": o["side"], "ordertype": o["type"]}}


ORDER_ERRORS = {
    "reject": {"binance": (400, {"code": -2010, "msg": "Account has insufficient balance for requested action."}),
               "coinbase": (400, {"message": "Insufficient funds"}),
               "kraken": (200, {"error": ["EOrder:Insufficient funds"]})},
    "429": {"binance": (429, {"code": -1003, "msg": "Too many requests; current limit is 10 orders per second."}),
            "coinbase": (429, {"message": "Private rate limit exceeded"}),
            "kraken": (200, {"error": ["EAPI:Rate limit exceeded"]})},
    "auth": {"binance": (400, {"code": -1022, "msg": "Signature for this request is not valid."}),
             "coinbase": (401, {"message": "invalid signature"}),
             "kraken": (200, {"error": ["EAPI:Invalid signature"]})},
}


class OrderHandler:
    """Mixed into Handler: the signed order endpoints."""

    def order_request(self, method):
        u = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if u.path.startswith("/api/v3/order"):
            return self.binance_order(method, u, body)
        if u.path.startswith("/orders"):
            return self.coinbase_order(method, u, body)
        if u.path.startswith("/0/private/"):
            return self.kraken_order(u, body)
        return self.send(404, json.dumps({"message": "route not found"}))

    def mode_answer(self, venue, placing):
        """The answer a failure mode gives instead of processing, or None."""
        mode = ORDER_MODES[venue]
        count("orders-" + venue, mode)
        if mode in ("reject",) and placing or mode == "429":
            status, body = ORDER_ERRORS[mode][venue]
            return self.send(status, json.dumps(body), {"Retry-After": "1"} if status == 429 else None) or True
        if mode == "500" and placing:   # the order engine fails before taking the order
            return self.send(500, "<html><body>internal error</body></html>") or True
        return None

    def binance_order(self, method, u, body):
        total = (u.query or "") + (body or "")
        m = re.match(r"^(.*)&signature=([0-9a-f]{64})$", total)
        q = parse_qs(u.query + "&" + body if body and u.query else (u.query or body))
        ok_sig = m is not None and hmac.compare_digest(
            hmac.new(secret_for("binance").encode(), m.group(1).encode(), hashlib.sha256).hexdigest(), m.group(2))
        if self.headers.get("X-MBX-APIKEY") != KEY or not ok_sig:
            count("orders-binance", "badsig")
            return self.send(*self.pack(ORDER_ERRORS["auth"]["binance"]))
        ts = int(q["timestamp"][0])
        if abs(ts - time.time() * 1000) > int(q.get("recvWindow", ["5000"])[0]):
            return self.send(400, json.dumps({"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}))
        sym = q["symbol"][0]
        if self.mode_answer("binance", method == "POST"):
            return
        if method == "POST":
            cid = q["newClientOrderId"][0]
            if cid in ORDERS["binance"] and ORDERS["binance"][cid]["status"] == "open":
                return self.send(400, json.dumps({"code": -2010, "msg": "Duplicate order sent."}))
            o = new_order("binance", cid, q["side"][0].lower(), "market" if q["type"][0] == "MARKET" else "limit",
                          q["quantity"][0], q.get("price", [None])[0])
            return self.answer_or_hang("binance", 200, binance_view(o, sym))
        o = ORDERS["binance"].get(q["origClientOrderId"][0])
        if o is None:
            code, msg = (-2013, "Order does not exist.") if method == "GET" else (-2011, "Unknown order sent.")
            return self.send(400, json.dumps({"code": code, "msg": msg}))
        if method == "DELETE":
            if o["status"] != "open":
                return self.send(400, json.dumps({"code": -2011, "msg": "Unknown order sent."}))
            o["status"] = "canceled"
        return self.send(200, json.dumps(binance_view(o, sym)))

    def coinbase_order(self, method, u, body):
        ts = self.headers.get("CB-ACCESS-TIMESTAMP", "")
        path = u.path + ("?" + u.query if u.query else "")
        want = base64.b64encode(hmac.new(base64.b64decode(secret_for("coinbase")),
                                         (ts + method + path + body).encode(), hashlib.sha256).digest()).decode()
        if (self.headers.get("CB-ACCESS-KEY") != KEY or self.headers.get("CB-ACCESS-PASSPHRASE") != PASSPHRASE
                or not hmac.compare_digest(want, self.headers.get("CB-ACCESS-SIGN", ""))):
            count("orders-coinbase", "badsig")
            return self.send(*self.pack(ORDER_ERRORS["auth"]["coinbase"]))
        if not ts.isdigit() or abs(int(ts) - time.time()) > 30:
            return self.send(400, json.dumps({"message": "request timestamp expired"}))
        if self.mode_answer("coinbase", method == "POST"):
            return
        if method == "POST" and u.path == "/orders":
            b = json.loads(body)
            if b["client_oid"] in ORDERS["coinbase"]:
                return self.send(400, json.dumps({"message": "duplicate client_oid"}))
            o = new_order("coinbase", b["client_oid"], b["side"], b["type"], b["size"], b.get("price"))
            return self.answer_or_hang("coinbase", 200, coinbase_view(o, b["product_id"]))
        m = re.match(r"^/orders/client:([0-9a-f-]+)$", u.path)
        o = ORDERS["coinbase"].get(m.group(1)) if m else None
        if o is None or (method == "DELETE" and o["status"] != "open"):
            return self.send(404, json.dumps({"message": "NotFound"}))
        if method == "DELETE":
            o["status"] = "canceled"
            return self.send(200, json.dumps(f"cb-{o['id']}"))
        return self.send(200, json.dumps(coinbase_view(o, "BTC-USD")))

    def kraken_order(self, u, body):
        q = parse_qs(body)
        nonce = q.get("nonce", ["0"])[0]
        digest = hashlib.sha256((nonce + body).encode()).digest()
        want = base64.b64encode(hmac.new(base64.b64decode(secret_for("kraken")), u.path.encode() + digest,
                                         hashlib.sha512).digest()).decode()
        if self.headers.get("API-Key") != KEY or not hmac.compare_digest(want, self.headers.get("API-Sign", "")):
            count("orders-kraken", "badsig")
            return self.send(*self.pack(ORDER_ERRORS["auth"]["kraken"]))
        with LOCK:
            if int(nonce) <= KRAKEN_NONCE[0]:
                return self.send(200, json.dumps({"error": ["EAPI:Invalid nonce"]}))
            KRAKEN_NONCE[0] = int(nonce)
        endpoint = u.path.rsplit("/", 1)[1]
        if self.mode_answer("kraken", endpoint == "AddOrder"):
            return
        cid = q.get("cl_ord_id", [None])[0]
        if endpoint == "AddOrder":
            if cid in ORDERS["kraken"] and ORDERS["kraken"][cid]["status"] == "open":
                return self.send(200, json.dumps({"error": ["EOrder:Duplicate order"]}))
            o = new_order("kraken", cid, q["type"][0], q["ordertype"][0], q["volume"][0], q.get("price", [None])[0])
            o["oflags"] = q.get("oflags", [""])[0]   # the suite checks fciq (fee in the quote currency)
            return self.answer_or_hang("kraken", 200, {"error": [], "result": {
                "descr": {"order": f"{o['side']} {o['qty']} XBTUSD @ {o['type']}"}, "txid": [f"O{o['id']}-KRAKN-FAKE"]}})
        o = ORDERS["kraken"].get(cid)
        if endpoint == "CancelOrder":
            if o is None or o["status"] != "open":
                return self.send(200, json.dumps({"error": ["EOrder:Unknown order"]}))
            o["status"] = "canceled"
            return self.send(200, json.dumps({"error": [], "result": {"count": 1}}))
        want_open = endpoint == "OpenOrders"
        found = {} if o is None or (o["status"] == "open") != want_open else {f"O{o['id']}-KRAKN-FAKE": kraken_view(o)}
        key = "open" if want_open else "closed"
        result = {key: found} if want_open else {key: found, "count": len(found)}
        return self.send(200, json.dumps({"error": [], "result": result}))

    def pack(self, pair):
        return pair[0], json.dumps(pair[1])

    def answer_or_hang(self, venue, status, body):
        if ORDER_MODES[venue] == "timeout":
            time.sleep(30)   # the order is taken; the answer never arrives in time
        if ORDER_MODES[venue] == "garbage":
            return self.send(200, "<html>order accepted</html>")   # taken, answer unreadable
        return self.send(status, json.dumps(body))

    def order_admin(self, u, q):
        if u.path == "/__order_mode":
            venue, mode = q.get("venue", ["all"])[0], q.get("mode", ["ok"])[0]
            for v in ORDER_MODES:
                if venue in ("all", v):
                    ORDER_MODES[v] = mode
            return self.send(200, json.dumps(ORDER_MODES))
        if u.path == "/__orders":
            with LOCK:
                view = {v: {c: {k: str(x) for k, x in o.items()} for c, o in os.items()} for v, os in ORDERS.items()}
                return self.send(200, json.dumps({"orders": view, "placed": PLACED}))
        if u.path == "/__fill":
            venue, cid = q["venue"][0], q["client_id"][0]
            o = ORDERS[venue][cid]
            qty = Decimal(q["qty"][0])
            o["filled"] += qty
            o["quote"] += qty * Decimal(q["price"][0])
            if "fee" in q:
                o["fee"] = Decimal(q["fee"][0])
            else:
                o["fee"] += qty * Decimal(q["price"][0]) * FEE_RATE[0]
            if o["filled"] >= o["qty"]:
                o["status"] = "filled"
            return self.send(200, json.dumps({"filled": str(o["filled"]), "fee": str(o["fee"])}))
        if u.path == "/__fee_rate":
            FEE_RATE[0] = Decimal(q.get("rate", ["0.001"])[0])
            return self.send(200, json.dumps({"rate": str(FEE_RATE[0])}))
        return None


class Handler(OrderHandler, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without NODELAY, Nagle holds the body until
        # the client's delayed ACK (40 ms) on a kept-alive connection, as no real venue does
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, status, text, extra=None):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/__mode":
            venue, mode = q.get("venue", ["all"])[0], q.get("mode", ["ok"])[0]
            for v in MODES:
                if venue in ("all", v):
                    MODES[v] = mode
            return self.send(200, json.dumps(MODES))
        if u.path == "/__stats":
            with LOCK:
                return self.send(200, json.dumps(STATS))
        if u.path.startswith("/__order") or u.path == "/__fill":
            return self.order_admin(u, q)
        if u.path.startswith("/api/v3/order") or u.path.startswith("/orders"):
            return self.order_request("GET")
        venue = venue_of(u.path)
        if venue is None:
            return self.send(404, json.dumps({"message": "route not found"}))
        mode = MODES[venue]
        n = count(venue, mode)
        body = {"binance": binance, "coinbase": coinbase, "kraken": kraken}[venue](u.path, q, n)
        if body is None:
            return self.send(404, json.dumps(ERRORS[venue]))
        if mode == "ok":
            return self.send(200, json.dumps(body))
        if mode == "429":
            return self.send(429, json.dumps(ERRORS[venue]), {"Retry-After": "1"})
        if mode in ("500", "503"):
            return self.send(int(mode), "<html><body>upstream error</body></html>")
        if mode == "timeout":
            time.sleep(30)
            return self.send(200, json.dumps(body))
        if mode == "truncated":
            text = json.dumps(body)
            return self.send(200, text[: len(text) // 2])
        if mode == "huge":
            return self.send(200, '{"pad":"' + "x" * (9 * 1024 * 1024) + '"}')
        if mode == "error":
            return self.send(400, json.dumps(ERRORS[venue]))
        if mode == "garbage":
            return self.send(200, "<html>maintenance</html>")
        return self.send(200, corrupt(body, mode))

    def do_POST(self):
        return self.order_request("POST")

    def do_DELETE(self):
        return self.order_request("DELETE")


def main():
    port = int(sys.argv[1])
    ThreadingHTTPServer.request_queue_size = 256  # bursts of new connections must not be dropped
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"ready {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
