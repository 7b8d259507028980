#!/usr/bin/env python3
"""Reference client of the card kiosk's POS endpoint (docs/pos-api.md), for POS vendors
to copy: Python 3.8+ standard library only, one file.

    pos_client.py --url http://127.0.0.1:8765 --token POS01.xxxx \\
        sale A1001 --line 6901234:阿莫西林胶囊:药品:2350 --line 6905678:医用口罩:医疗器械:1000
    pos_client.py ... status A1001
    pos_client.py ... cancel A1001
    pos_client.py ... refund R1001 A1001 --line 6905678          # a line, in full
    pos_client.py ... refund R1002 A1001 --line 6901234:1000     # part of a line (fen)
    pos_client.py ... refund R1003 A1001                         # what is left of the order

Amounts are integer fen. Exit status: 0 approved (for cancel: cancelled), 1 declined
or cancelled (for cancel: approved before the cancel came), 2 the state is unknown (the kiosk did not answer in time: ask `status` again before taking
another tender) or the request was refused.

The rule that makes a lost reply harmless: the order number is the idempotency key.
Send the same order again, or ask its status, as often as needed: it is charged once.
Never send a *new* order number for a basket whose state is still pending or unknown.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
import urllib.error
import urllib.request

FINAL = ("approved", "declined", "cancelled")


class PosError(Exception):
    """The endpoint refused the request (code and message), or could not be reached."""

    def __init__(self, status: int, code: str, message: str, body: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.body = status, code, message, body or {}


class KioskClient:
    def __init__(self, url: str, token: str, *, timeout: float = 75.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout  # seconds for one HTTP call (a POST waits for the customer)

    def _call(self, method: str, path: str, body: dict | None = None,
              timeout: float | None = None) -> dict:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as reply:
                return json.loads(reply.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read().decode("utf-8"))
            except ValueError:
                answer = {}
            problem = answer.get("error", {})
            raise PosError(error.code, problem.get("code", "http_error"),
                           problem.get("message", str(error)), answer) from None

    # -- the calls ---------------------------------------------------------------------
    def send_sale(self, order_no: str, lines: list[dict], channel_order_no: str | None = None,
                  wait: int = 60) -> dict:
        body = {"order_no": order_no, "lines": lines,
                "total": sum(line["amount"] for line in lines)}
        if channel_order_no:
            body["channel_order_no"] = channel_order_no
        return self._call("POST", f"/v1/sales?wait={wait}", body, timeout=wait + 15)

    def sale_status(self, order_no: str) -> dict:
        return self._call("GET", f"/v1/sales/{order_no}")

    def cancel_sale(self, order_no: str) -> dict:
        return self._call("POST", f"/v1/sales/{order_no}/cancel", {})

    def send_refund(self, refund_no: str, order_no: str, lines: list[dict] | None = None,
                    wait: int = 60) -> dict:
        body: dict = {"refund_no": refund_no, "order_no": order_no}
        if lines:
            body["lines"] = lines
        return self._call("POST", f"/v1/refunds?wait={wait}", body, timeout=wait + 15)

    def refund_status(self, refund_no: str) -> dict:
        return self._call("GET", f"/v1/refunds/{refund_no}")

    # -- a tender, end to end ------------------------------------------------------------
    def pay(self, order_no: str, lines: list[dict], channel_order_no: str | None = None,
            *, give_up_after: float = 300.0) -> dict:
        """Send the sale and get its final state. A lost reply, a timeout or a 202 are
        followed by status queries (and the sale sent again if the kiosk never got it):
        the order is charged once, however often this runs."""
        deadline = time.monotonic() + give_up_after
        state: dict = {}
        sent = False
        while time.monotonic() < deadline:
            try:
                if not sent:
                    state = self.send_sale(order_no, lines, channel_order_no)
                    sent = True
                else:
                    state = self.sale_status(order_no)
                    if state.get("state") == "pending":
                        state = self.send_sale(order_no, lines, channel_order_no)
            except PosError as error:
                if error.status == 404:  # the kiosk never stored it: send it again
                    sent = False
                    continue
                raise
            except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError):
                sent = True  # it may have arrived: ask its state next
                time.sleep(2)
                continue
            if state.get("state") in FINAL:
                return state
        return {**state, "state": state.get("state", "unknown")}

    def refund(self, refund_no: str, order_no: str, lines: list[dict] | None = None,
               *, give_up_after: float = 300.0) -> dict:
        deadline = time.monotonic() + give_up_after
        state: dict = {}
        while time.monotonic() < deadline:
            try:
                state = self.send_refund(refund_no, order_no, lines)
            except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError):
                time.sleep(2)
                continue
            if state.get("state") in FINAL:
                return state
        return {**state, "state": state.get("state", "unknown")}


def _sale_line(text: str) -> dict:
    code, name, category, amount = text.rsplit(":", 3) if text.count(":") >= 3 else (
        None, None, None, None)
    if code is None or not amount.isdigit():
        raise argparse.ArgumentTypeError("a line is CODE:NAME:CATEGORY:AMOUNT_IN_FEN")
    return {"code": code, "name": name, "category": category, "amount": int(amount)}


def _refund_line(text: str) -> dict:
    code, _, amount = text.partition(":")
    if amount and not amount.isdigit():
        raise argparse.ArgumentTypeError("a refund line is CODE or CODE:AMOUNT_IN_FEN")
    return {"code": code, **({"amount": int(amount)} if amount else {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--token", required=True, help="this POS's token (kiosk admin pos add)")
    commands = parser.add_subparsers(dest="command", required=True)
    sale = commands.add_parser("sale")
    sale.add_argument("order_no")
    sale.add_argument("--line", type=_sale_line, action="append", required=True)
    sale.add_argument("--channel-order")
    for name in ("status", "cancel"):
        commands.add_parser(name).add_argument("order_no")
    refund = commands.add_parser("refund")
    refund.add_argument("refund_no")
    refund.add_argument("order_no")
    refund.add_argument("--line", type=_refund_line, action="append")
    refund_status = commands.add_parser("refund-status")
    refund_status.add_argument("refund_no")
    args = parser.parse_args(argv)

    client = KioskClient(args.url, args.token)
    try:
        if args.command == "sale":
            state = client.pay(args.order_no, args.line, args.channel_order)
        elif args.command == "status":
            state = client.sale_status(args.order_no)
        elif args.command == "cancel":
            state = client.cancel_sale(args.order_no)
        elif args.command == "refund":
            state = client.refund(args.refund_no, args.order_no, args.line)
        else:
            state = client.refund_status(args.refund_no)
    except PosError as error:
        print(json.dumps(error.body or {"error": {"code": error.code,
                                                  "message": error.message}},
                         ensure_ascii=False, indent=2))
        return 2
    receipt = state.pop("receipt_text", "")
    print(json.dumps(state, ensure_ascii=False, indent=2))
    if receipt:
        print(receipt)
    if args.command == "cancel":  # cancelled: done; approved: too late, refund it
        return 0 if state.get("state") == "cancelled" else 1
    return {"approved": 0, "declined": 1, "cancelled": 1}.get(state.get("state"), 2)


if __name__ == "__main__":
    sys.exit(main())
