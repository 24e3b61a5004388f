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

Usage: fake_exchange.py PORT   (prints "ready PORT" once listening)
"""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

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


def main():
    port = int(sys.argv[1])
    ThreadingHTTPServer.request_queue_size = 256  # bursts of new connections must not be dropped
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"ready {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
