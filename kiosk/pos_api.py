"""The POS endpoint: HTTP with JSON, served by aiohttp on the app's own asyncio loop, so a
request and the counter screen share one state without threads or queues between
them (docs/pos-api.md describes the protocol).

This layer only parses and checks the shape of what the POS sends, authenticates it
by its token and hands over to services/pos_sales.py (in a thread: the store is
blocking); the counter is told through `on_new` / `on_cancelled`, which the app gives.
A POST waits (at most `wait` seconds) for the counter to finish, then answers the
request's state; GET answers it at once.

Errors are JSON too, {"error": {"code": ..., "message": ...}} with the message in
Chinese: 400 malformed_json / invalid_request, 401 bad_token, 403 wrong_terminal,
404 unknown_order / not_found, 405 method_not_allowed, 409 order_conflict /
order_not_approved / already_approved, 413 body_too_large, 415 not_json,
503 store_unavailable, 500 internal_error (with a reference in kiosk.log)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

from aiohttp import web

from kiosk.errors import InvalidInput, KioskError, N_, StoreUnavailable, from_socket_error
from kiosk.i18n import translator
from kiosk.logs import report_unexpected
from kiosk.money import format_yuan
from kiosk.services import pos_sales
from kiosk.services.pos_sales import (PosApiError, PosIdentity, PosLine, PosState, RefundLine,
                                      RefundRequest, SaleRequest)
from kiosk.services.session import Runtime

log = logging.getLogger("kiosk.pos_api")

MAX_BODY_BYTES = 64 * 1024
DEFAULT_WAIT_SECONDS = 60
MAX_WAIT_SECONDS = 120
POLL_SECONDS = 0.5
DEFAULT_PORT = 8765
API_LANGUAGE = "zh_CN"  # what the POS shows its cashier


class ApiRefusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def parse_listen(text: str) -> tuple[str, int]:
    """"8765", ":8765" or "host:port"; the host is 127.0.0.1 unless named."""
    host, _, port = text.strip().rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise InvalidInput(N_("The POS endpoint address must be [host:]port, for example "
                              "127.0.0.1:8765."))
    return host.strip("[]") or "127.0.0.1", number


class PosEndpoint:
    """One terminal's endpoint. `terminal_id` is the terminal its POS must be bound to."""

    def __init__(self, runtime: Runtime, terminal_id: int, *,
                 on_new: Callable[[PosState], None] = lambda state: None,
                 on_cancelled: Callable[[PosState], None] = lambda state: None) -> None:
        self.runtime = runtime
        self.terminal_id = terminal_id
        self.on_new, self.on_cancelled = on_new, on_cancelled
        self.tr = translator(API_LANGUAGE)
        self.runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.web_app = web.Application(client_max_size=MAX_BODY_BYTES,
                                       middlewares=[self._errors])
        self.web_app.add_routes([
            web.post("/v1/sales", self.post_sale),
            web.get("/v1/sales/{number}", self.get_sale),
            web.post("/v1/sales/{number}/cancel", self.cancel_sale),
            web.post("/v1/refunds", self.post_refund),
            web.get("/v1/refunds/{number}", self.get_refund),
            web.post("/v1/refunds/{number}/cancel", self.cancel_refund),
        ])

    # -- running --------------------------------------------------------------------------
    async def start(self, host: str, port: int) -> None:
        self.runner = web.AppRunner(self.web_app, access_log=None, handle_signals=False,
                                    shutdown_timeout=1.0)
        await self.runner.setup()
        try:
            await web.TCPSite(self.runner, host, port).start()
        except BaseException as error:
            await self.runner.cleanup()
            self.runner = None
            if isinstance(error, OSError):
                raise from_socket_error(error, f"{host}:{port}") from None
            raise

    @property
    def port(self) -> int | None:
        if self.runner is None or not self.runner.addresses:
            return None
        return self.runner.addresses[0][1]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def changed(self) -> None:
        """The counter settled a request: wake the POSTs waiting for it."""
        self._changed.set()
        self._changed = asyncio.Event()

    # -- errors -----------------------------------------------------------------------------
    @web.middleware
    async def _errors(self, request: web.Request, handler):
        try:
            return await handler(request)
        except ApiRefusal as refusal:
            return self._error(refusal.status, refusal.code, refusal.message)
        except PosApiError as error:
            return self._error(error.status, error.code, error.render(self.tr))
        except StoreUnavailable as error:
            return self._error(503, "store_unavailable", error.render(self.tr))
        except KioskError as error:
            return self._error(400, "invalid_request", error.render(self.tr))
        except web.HTTPRequestEntityTooLarge:
            return self._error(413, "body_too_large",
                               f"请求体超过 {MAX_BODY_BYTES} 字节。")
        except web.HTTPMethodNotAllowed:
            return self._error(405, "method_not_allowed", "不支持此请求方法。")
        except web.HTTPNotFound:
            return self._error(404, "not_found", "没有此接口。")
        except web.HTTPException:
            raise
        except Exception as error:  # never a traceback to the POS; kiosk.log has it
            reference = report_unexpected(log, f"POS request {request.method} {request.path}",
                                          error, {"path": request.path})
            return self._error(500, "internal_error",
                               f"收银机内部错误（编号 {reference}），未记账；请联系技术支持。")

    @staticmethod
    def _error(status: int, code: str, message: str) -> web.Response:
        return web.json_response({"error": {"code": code, "message": message}},
                                 status=status, dumps=_dumps)

    # -- the requests ---------------------------------------------------------------------
    async def post_sale(self, request: web.Request) -> web.Response:
        pos = await self._pos(request)
        body = await self._body(request)
        sale = SaleRequest(
            order_no=_text(body, "order_no", 64),
            lines=tuple(PosLine(code=_text(line, "code", 32, where=f"lines[{index}]"),
                                name=_text(line, "name", 50, where=f"lines[{index}]"),
                                category=_text(line, "category", 20, where=f"lines[{index}]"),
                                amount=_fen(line, "amount", where=f"lines[{index}]"))
                        for index, line in enumerate(_list(body, "lines", pos_sales.MAX_LINES))),
            total=_fen(body, "total"),
            channel_order_no=_text(body, "channel_order_no", 64, required=False))
        _no_other_fields(body, {"order_no", "lines", "total", "channel_order_no"})
        state, new = await asyncio.to_thread(pos_sales.receive_sale, self.runtime, pos, sale)
        return await self._answer(request, pos, state, new)

    async def post_refund(self, request: web.Request) -> web.Response:
        pos = await self._pos(request)
        body = await self._body(request)
        lines = body.get("lines")
        refund = RefundRequest(
            refund_no=_text(body, "refund_no", 64), order_no=_text(body, "order_no", 64),
            lines=() if lines is None else tuple(
                RefundLine(code=_text(line, "code", 32, where=f"lines[{index}]"),
                           amount=_fen(line, "amount", where=f"lines[{index}]",
                                       required=False))
                for index, line in enumerate(_list(body, "lines", pos_sales.MAX_LINES))))
        _no_other_fields(body, {"refund_no", "order_no", "lines"})
        state, new = await asyncio.to_thread(pos_sales.receive_refund, self.runtime, pos,
                                             refund)
        return await self._answer(request, pos, state, new)

    async def get_sale(self, request: web.Request) -> web.Response:
        return await self._get(request, pos_sales.SALE)

    async def get_refund(self, request: web.Request) -> web.Response:
        return await self._get(request, pos_sales.REFUND)

    async def cancel_sale(self, request: web.Request) -> web.Response:
        return await self._cancel(request, pos_sales.SALE)

    async def cancel_refund(self, request: web.Request) -> web.Response:
        return await self._cancel(request, pos_sales.REFUND)

    async def _get(self, request: web.Request, kind: str) -> web.Response:
        pos = await self._pos(request)
        state = await asyncio.to_thread(pos_sales.state_of, pos, kind,
                                        request.match_info["number"])
        return await self._reply(state)

    async def _cancel(self, request: web.Request, kind: str) -> web.Response:
        pos = await self._pos(request)
        state = await asyncio.to_thread(pos_sales.cancel, self.runtime, pos, kind,
                                        request.match_info["number"])
        if state.state == pos_sales.CANCELLED and state.reason == pos_sales.CANCELLED_BY_POS:
            self.on_cancelled(state)
            self.changed()
        if state.state == pos_sales.APPROVED:
            body = await self._state_body(state)
            body["error"] = {"code": "already_approved", "message": (
                "该订单已扣款成功，不能撤销；请走退款。" if kind == pos_sales.SALE else
                "该退款已完成，不能撤销。")}
            return web.json_response(body, status=409, dumps=_dumps)
        return await self._reply(state)

    async def _answer(self, request: web.Request, pos: PosIdentity, state: PosState,
                      new: bool) -> web.Response:
        """A new or still pending request goes to the counter; the POST waits for it."""
        if new:
            self.on_new(state)
        wait = _wait_seconds(request)
        deadline = time.monotonic() + wait
        while not state.final and time.monotonic() < deadline:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(),
                                       min(POLL_SECONDS, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                pass
            state = await asyncio.to_thread(pos_sales.state_of, pos, state.kind, state.number)
        return await self._reply(state)

    async def _reply(self, state: PosState) -> web.Response:
        return web.json_response(await self._state_body(state),
                                 status=200 if state.final else 202, dumps=_dumps)

    async def _state_body(self, state: PosState) -> dict:
        key = "order_no" if state.kind == pos_sales.SALE else "refund_no"
        body: dict = {key: state.number, "state": state.state, "attempt": state.attempt,
                      "amount": state.amount}
        if state.kind == pos_sales.REFUND:
            body["order_no"] = state.order_no
            body["lines"] = [{"code": line["code"], "amount": line["amount"]}
                             for line in state.lines]
        if state.state == pos_sales.APPROVED:
            result = state.result
            body.update({"journal_no": result.get("journal_no"), "card": result.get("card"),
                         "principal": result.get("principal"), "bonus": result.get("bonus")})
            if state.kind == pos_sales.SALE:
                body.update({"principal_after": result.get("principal_after"),
                             "bonus_after": result.get("bonus_after"),
                             "balance_after": (result.get("principal_after") or 0)
                             + (result.get("bonus_after") or 0),
                             "points_after": result.get("points_after"),
                             "channel_order_no": result.get("channel_order_no")})
            body["receipt_text"] = await asyncio.to_thread(pos_sales.receipt_text,
                                                           self.runtime, state)
        elif state.final:
            body["reason"] = state.reason
            body["message"] = state.error.render(self.tr) if state.error else ""
        else:
            body["message"] = (f"等待顾客在收银台刷卡并输入密码（{format_yuan(state.amount)}）。"
                               if state.kind == pos_sales.SALE else
                               "等待主管在收银台复核退款。")
        return body

    # -- parsing --------------------------------------------------------------------------
    async def _pos(self, request: web.Request) -> PosIdentity:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise pos_sales.BadToken()
        return await asyncio.to_thread(pos_sales.authenticate, self.runtime, token.strip(),
                                       self.terminal_id)

    async def _body(self, request: web.Request) -> dict:
        if request.content_type != "application/json":
            raise ApiRefusal(415, "not_json", "请求体必须是 JSON（Content-Type: application/json）。")
        raw = await request.read()  # raises HTTPRequestEntityTooLarge above the limit
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiRefusal(400, "malformed_json", "请求体不是有效的 JSON。") from None
        if not isinstance(body, dict):
            raise ApiRefusal(400, "malformed_json", "请求体必须是 JSON 对象。")
        return body


def _invalid(where: str, what: str) -> ApiRefusal:
    return ApiRefusal(400, "invalid_request", f"字段 {where}：{what}")


def _text(body, name: str, most: int, *, where: str = "", required: bool = True) -> str | None:
    label = f"{where}.{name}" if where else name
    if not isinstance(body, dict):
        raise _invalid(where or name, "必须是 JSON 对象。")
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _invalid(label, "必填，且为文本。")
    if len(value) > most or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _invalid(label, f"最多 {most} 个字符，且不含控制字符。")
    return value.strip()


def _fen(body, name: str, *, where: str = "", required: bool = True) -> int | None:
    label = f"{where}.{name}" if where else name
    value = body.get(name) if isinstance(body, dict) else None
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _invalid(label, "金额以分为单位，必须是正整数。")
    return value


def _list(body: dict, name: str, most: int) -> list:
    value = body.get(name)
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        raise _invalid(name, f"必须是含 1 到 {most} 项的数组。")
    return value


def _no_other_fields(body: dict, known: set[str]) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise _invalid(unknown[0][:40], "未知字段。")


def _wait_seconds(request: web.Request) -> float:
    text = request.query.get("wait")
    if text is None:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        raise _invalid("wait", f"等待秒数为 0 到 {MAX_WAIT_SECONDS}。") from None
    if not 0 <= seconds <= MAX_WAIT_SECONDS:
        raise _invalid("wait", f"等待秒数为 0 到 {MAX_WAIT_SECONDS}。")
    return seconds


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
