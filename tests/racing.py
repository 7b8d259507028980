"""Several terminal processes doing something at the same moment, round after round.

    with Racers(settings, [("cashier1", "T01"), ("super1", "T02"), ...]) as racers:
        outcomes = racers.race(("refund", charge_id, 1000), ("refund", charge_id, 1000), ...)

Each racer is a process of its own (nothing shared but the store), logged in
as its operator at its terminal once (a demo login, or outlet, login id, password and
terminal), then told one task per round; all racers wait at a barrier and start their
task together. A task's outcome comes back as ("ok", value), ("refused", error class
name, message id) or ("crash", text): the tests judge by what the store holds
afterwards, never by timing.
"""

from __future__ import annotations

import multiprocessing
import traceback
from dataclasses import dataclass

from kiosk.errors import KioskError
from kiosk.services.charge import Review

ROUND_TIMEOUT = 120
SUPERVISOR = Review("super1", "Super1234")
# Racers are forked from a server process that has imported the kiosk and nothing more
# (no store open, no test's state): as separate as spawned processes, without each one
# importing everything again, which took seconds a racer on a loaded machine.
CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["tests.racing", "tests.conftest"])


@dataclass(frozen=True)
class Outcome:
    status: str  # ok, refused, crash
    value: object = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Racers:
    def __init__(self, settings, logins: list[tuple[str, str]]) -> None:
        self.barrier = CONTEXT.Barrier(len(logins))
        self.pipes, self.processes = [], []
        for login in logins:
            ours, theirs = CONTEXT.Pipe()
            process = CONTEXT.Process(target=_serve, args=(settings, login, theirs,
                                                            self.barrier), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)
        for pipe in self.pipes:
            ready = _receive(pipe)
            if ready != "ready":
                raise RuntimeError(f"a racer did not start: {ready}")

    def race(self, *tasks: tuple) -> list[Outcome]:
        """One task per racer, all started at once; their outcomes in racer order."""
        assert len(tasks) == len(self.pipes), "one task per racer"
        for pipe, task in zip(self.pipes, tasks):
            pipe.send(task)
        outcomes = [Outcome(*_receive(pipe)) for pipe in self.pipes]
        crashes = [o.error for o in outcomes if o.status == "crash"]
        assert not crashes, crashes[0]
        return outcomes

    def deadlocks(self) -> int:
        """How many of the racers' transactions, since last asked, a deadlock killed
        (each was run again: its outcome does not show it)."""
        return sum(o.value for o in self.race(*[("deadlocks",)] * len(self.pipes)))

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send(None)
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.kill()

    def __enter__(self) -> "Racers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _receive(pipe):
    if not pipe.poll(ROUND_TIMEOUT):
        raise TimeoutError("a racer did not answer in time")
    return pipe.recv()


def _serve(settings, login, pipe, barrier) -> None:
    from kiosk.services.bootstrap import open_runtime
    try:
        runtime = open_runtime(settings)
        session = _logged_in(runtime, login)
    except Exception:
        pipe.send(traceback.format_exc())
        return
    _count_deadlocks()
    pipe.send("ready")
    while (task := pipe.recv()) is not None:
        name, *arguments = task
        try:
            barrier.wait(ROUND_TIMEOUT)
            pipe.send(("ok", TASKS[name](session, runtime, *arguments)))
        except KioskError as error:
            pipe.send(("refused", type(error).__name__, error.message_id))
        except Exception:
            pipe.send(("crash", None, traceback.format_exc()))


_DEADLOCKS = [0]  # this racer's transactions a deadlock chose as its victim (retried)


def _count_deadlocks() -> None:
    """Counts the deadlocks this racer lost: services/operations.py runs a victim again,
    so a deadlock is invisible in the outcome; the `deadlocks` task tells it."""
    from kiosk.store import failures
    must_retry = failures.must_retry

    def counted(error):
        if failures.sqlstate(error) == "40P01":
            _DEADLOCKS[0] += 1
        return must_retry(error)
    failures.must_retry = counted


def _deadlocks(session, runtime):
    seen, _DEADLOCKS[0] = _DEADLOCKS[0], 0
    return seen


def _logged_in(runtime, login):
    """A demo operator (login id, terminal), or any (outlet code, login id, password,
    terminal) of a store built from empty."""
    from tests.conftest import log_in, login_as
    return log_in(runtime, *login) if len(login) == 4 else login_as(runtime, *login)


# -- what racers do (module level: a spawned process imports them by name) --------------
def _charge(session, runtime, number, amount, key, pin="123456", order=None):
    from kiosk.services import charge
    return charge.charge(session, card_number=number, amount=amount, pin=pin,
                         key=key, channel_order_no=order).operation_id


def _refund(session, runtime, charge_id, amount, key):
    from kiosk.services import charge
    return charge.refund(session, original_operation_id=charge_id, amount=amount, key=key,
                         review=SUPERVISOR).amount


def _file_transfer(session, runtime, charge_id, target_number):
    from kiosk.services import insurance_transfers
    return insurance_transfers.file_request(session, charge_operation_id=charge_id,
                                            target_card_number=target_number)


def _approve_transfer(session, runtime, request_id):
    from kiosk.services import insurance_transfers
    return insurance_transfers.decide(session, request_id, approve=True).card_number


def _reverse_recharge(session, runtime, recharge_id, key):
    from kiosk.services import recharge
    return recharge.reverse_recharge(session, original_operation_id=recharge_id, key=key,
                                     review=SUPERVISOR).amount


def _replace(session, runtime, old_number, new_number, key):
    from kiosk.services import card_care
    request = card_care.Replacement(old_number, new_number, "damaged", 0)
    return card_care.replace_card(session, request, key=key).card_number


def _allocate(session, runtime, main_number, sub_number, amount, key):
    from kiosk.services import transfers
    return transfers.allocate(session, main_number=main_number, sub_number=sub_number,
                              amount=amount, key=key).amount


def _recharge(session, runtime, number, amount, key, tender="cash"):
    from kiosk.services import recharge
    return recharge.recharge(session, card_number=number, amount=amount, tender=tender,
                             key=key).operation_id


def _submit_batch(session, runtime, batch_id):
    from kiosk.services import batch_recharge
    batch_recharge.submit(session, batch_id)
    return batch_id


def _set_batch_buyer(session, runtime, batch_id, buyer_kind, name, id_number):
    from kiosk.services import batch_recharge, prepaid
    batch_recharge.set_purchase(session, batch_id, prepaid.Purchase(buyer_kind, name,
                                                                     id_number))
    return batch_id


def _log_in(session, runtime, outlet_code, login_id, password):
    from kiosk.services import operators
    operators.login(session, outlet_code=outlet_code, login_id=login_id, password=password)
    return login_id


def _stock_send(session, runtime, move_id, numbers=""):
    from kiosk.services import card_stock
    sent = card_stock.send(session, move_id, numbers)
    return sent.replayed, sent.count


def _run_insurer_file(session, runtime, file_id):
    from kiosk.services import insurer_cards
    report = insurer_cards.run(session, file_id)
    return report.posted, report.already_posted, len(report.failed)


def _recharge_in_shift(session, runtime, shift_id, number, amount, key):
    from dataclasses import replace
    from kiosk.services import recharge
    in_shift = session.as_actor(replace(session.actor, shift_id=shift_id))
    return recharge.recharge(in_shift, card_number=number, amount=amount, tender="cash",
                             key=key).operation_id


def _close_shift(session, runtime, shift_id, key):
    from kiosk.services import closes
    return closes.close_shift(session, key=key, shift_id=shift_id).shift_id


def _redeem_points(session, runtime, number, points, key, pin="123456"):
    from kiosk.services import points as points_service
    return points_service.redeem(session, card_number=number, points=points, pin=pin,
                                 key=key).points_after


def _clear_cheque(session, runtime, cheque_id, key):
    from kiosk.services import cheques
    return cheques.clear(session, cheque_id, key=key).amount


def _bounce_cheque(session, runtime, cheque_id, key):
    from kiosk.services import cheques
    return cheques.bounce(session, cheque_id, reason="存款不足", key=key).amount


def _small_refund(session, runtime, number, key):
    from kiosk.services import balance_refunds
    return balance_refunds.small_balance_refund(session, card_number=number, key=key,
                                                pin="246810").amount


def _special_refund(session, runtime, number, amount, key):
    from kiosk.services import balance_refunds
    return balance_refunds.special_refund(session, card_number=number, amount=amount,
                                          reason="race", key=key, review=SUPERVISOR).amount


def _deposit_refund(session, runtime, number, key):
    from kiosk.services import balance_refunds
    return balance_refunds.deposit_refund(session, card_number=number, key=key,
                                          review=SUPERVISOR).amount


def _reverse_payment(session, runtime, original_id, amount, key):
    from kiosk.services import reversals
    return reversals.reverse_payment(session, original_operation_id=original_id,
                                     amount=amount, reason="race", key=key,
                                     review=SUPERVISOR).amount


def _transfer(session, runtime, from_number, to_number, amount, key):
    from kiosk.services import transfers
    return transfers.transfer(session, from_number=from_number, to_number=to_number,
                              amount=amount, key=key, review=SUPERVISOR).principal


def _customer_allocate(session, runtime, code, number, amount, key):
    from kiosk.services import customer_money
    return customer_money.allocate(session, customer_code=code, card_number=number,
                                   amount=amount, key=key).amount


def _customer_receipt(session, runtime, code, amount, key):
    from kiosk.services import customer_money
    return customer_money.receive_payment(session, customer_code=code, amount=amount,
                                          tender="bank", key=key).amount


def _run_template(session, runtime, template_id, key):
    from kiosk.services import allocation_templates
    return allocation_templates.run(session, template_id, key=key).total


def _issue_sub_cards(session, runtime, main_number, numbers, key):
    from kiosk.services import sub_cards
    return len(sub_cards.issue_sub_cards(session, sub_cards.SubCardBatch(
        tuple(numbers), "246810", 0, 0, main_number=main_number), key=key).card_numbers)


def _upgrade_sub_card(session, runtime, number, key):
    from kiosk.services import sub_cards
    return sub_cards.upgrade_sub_card(session, number, key=key, review=SUPERVISOR).card_number


def _internal_settle(session, runtime, number, key):
    from kiosk.services import internal_cards
    return internal_cards.settle(session, card_number=number, key=key).used


def _settle_orders(session, runtime, channel, order_nos, account, key):
    from kiosk.services import channel_settlements
    return channel_settlements.start(session, channel=channel, order_nos=order_nos,
                                     bank_account=account, key=key).settlement_id


def _settlement_coupon(session, runtime, settlement_id, coupon, valid_until, key):
    from kiosk.services import channel_settlements
    return channel_settlements.record_payment(
        session, settlement_id=settlement_id, method="coupon", reference=coupon,
        valid_until=valid_until, key=key).settlement_id


def _reject_transfer(session, runtime, request_id):
    from kiosk.services import insurance_transfers
    return insurance_transfers.decide(session, request_id, approve=False,
                                      reason="race").status


def _charge_for_member(session, runtime, number, amount, key, pin, member_number):
    from kiosk.services import charge
    return charge.charge(session, card_number=number, amount=amount, pin=pin, key=key,
                         member_card_number=member_number).operation_id


def _pos_refund(session, runtime, pos, refund_no, review):
    from kiosk.services import charge, pos_sales
    state = pos_sales.state_of(pos, "refund", refund_no)
    return pos_sales.refund(session, state, charge.Review(*review)).amount


def _pos_charge(session, runtime, pos, order_no, card_number, pin):
    from kiosk.services import pos_sales
    state = pos_sales.state_of(pos, "sale", order_no)
    return pos_sales.charge(session, state, card_number=card_number, pin=pin).operation_id


def _pos_cancel(session, runtime, pos, order_no):
    from kiosk.services import pos_sales
    return pos_sales.cancel(runtime, pos, "sale", order_no).state


def _pos_receive_sale(session, runtime, pos, sale):
    from kiosk.services import pos_sales
    state, new = pos_sales.receive_sale(runtime, pos, sale)
    return state.request_id, state.attempt, new


def _clear_card(session, runtime, number, key):
    from kiosk.services import card_care
    return card_care.clear_card(session, number, key=key, review=SUPERVISOR).amount


TASKS = {"deadlocks": _deadlocks, "pos_refund": _pos_refund, "pos_charge": _pos_charge,
         "pos_cancel": _pos_cancel, "pos_receive_sale": _pos_receive_sale, "charge_for_member": _charge_for_member,
         "reject_transfer": _reject_transfer, "clear_card": _clear_card,
         "settle_orders": _settle_orders, "settlement_coupon": _settlement_coupon,
         "internal_settle": _internal_settle, "issue_sub_cards": _issue_sub_cards, "upgrade_sub_card": _upgrade_sub_card,
         "customer_allocate": _customer_allocate, "customer_receipt": _customer_receipt,
         "run_template": _run_template, "redeem_points": _redeem_points, "charge": _charge, "refund": _refund,
         "file_transfer": _file_transfer,
         "approve_transfer": _approve_transfer, "reverse_recharge": _reverse_recharge,
         "replace": _replace, "allocate": _allocate, "log_in": _log_in,
         "stock_send": _stock_send, "run_insurer_file": _run_insurer_file,
         "recharge_in_shift": _recharge_in_shift, "close_shift": _close_shift,
         "clear_cheque": _clear_cheque, "bounce_cheque": _bounce_cheque,
         "small_refund": _small_refund, "special_refund": _special_refund,
         "deposit_refund": _deposit_refund, "reverse_payment": _reverse_payment,
         "transfer": _transfer,
         "recharge": _recharge, "submit_batch": _submit_batch,
         "set_batch_buyer": _set_batch_buyer}
