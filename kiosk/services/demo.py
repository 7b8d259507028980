"""`kiosk seed-demo`: the demo outlet, operators, products, members and cards.

Everything here is documented in README.md (operators, passwords, cards, PINs).
Balances are posted through the ledger like any other money, so `kiosk verify`
holds from the first minute.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass

from kiosk.services import audit
from kiosk.services.accounts import (card_accounts, customer_account, issuer_account,
                                    open_card_accounts, till_account)
from kiosk.services.operations import Posting, perform
from kiosk.services.session import Actor, Session
from kiosk.hw.tracks import luhn_complete
from kiosk.store import cards as card_store
from kiosk.store import catalog, legacy_cards, models, outlets, settings
from kiosk.store import customers as customer_store
from kiosk.store import members as member_store
from kiosk.store import operators as operator_store
from kiosk.store.db import database

OUTLET_CODE = "31010001"
DEMO_PIN = "123456"


@dataclass(frozen=True)
class DemoOperator:
    login_id: str
    name: str
    role: str
    password: str


OPERATORS = (
    DemoOperator("cashier1", "王芳", "cashier", "Cashier123"),
    DemoOperator("clerk1", "李娜", "clerk", "Clerk1234"),
    DemoOperator("super1", "张强", "supervisor", "Super1234"),
    DemoOperator("finance1", "刘洋", "finance", "Finance123"),
    DemoOperator("admin1", "陈静", "admin", "Admin1234"),
)

# number stem -> (product, principal fen, bonus fen, points, member index, main card stem)
CARDS = {
    "888800000000001": ("SV", 20000, 2000, 150, 0, None),
    "888800000000002": ("INS", 50000, 0, 0, 1, None),
    "888800000000003": ("MEM", 0, 0, 4800, 2, None),
    "888800000000004": ("CORP", 100000, 0, 0, 3, None),
    "888800000000005": ("CORP", 5000, 0, 0, 3, "888800000000004"),
    "888800000000006": ("CORP", 5000, 0, 0, 3, "888800000000004"),
    "888800000000007": ("INS", 30000, 0, 0, 1, None),  # pays the channel orders below
    "888800000000008": ("SV", 0, 0, 0, 1, None),  # receives 李秀英's insurance transfers
    # Anonymous stored-value cards (不记名卡, member None): one expired yesterday with
    # ¥300 kept on it (reactivated at card services), one holding ¥800 (its limit ¥1,000).
    "888800000000009": ("SV", 30000, 0, 0, None, None),
    "888800000000010": ("SV", 80000, 0, 0, None, None),
    # The outlet's own vehicle card (内部卡): ¥2,000 of the chain's internal funds.
    "888800000000011": ("INT", 200000, 0, 0, None, None),
}
EXPIRED_CARDS = ("888800000000009",)
# Orders of the insurer's channel (泰康) verified at the counter: order no -> fen. The
# sample statement matches one, differs on one, lacks one and adds one of its own.
CHANNEL_ORDERS = {"TK-0001": 8800, "TK-0002": 12050, "TK-0003": 4500}
# The channel's order list the demo imported (finance settles the redeemed ones, 结算);
# TK-0005 is still open, for a cashier to redeem at the counter.
OPEN_CHANNEL_ORDERS = {"TK-0005": 3000}
ORDER_LIST = "orders-taikang.csv"
STATEMENT = (("TK-0001", "88.00"), ("TK-0002", "125.50"), ("TK-0004", "30.00"))
BLANK_STOCK = 20
# Blank card stock per product: 8888 0001 xxxxxxx (SV), 8888 0002 ... (MEM), 8888 0003 ... (CORP)
BLANK_SERIES = {"SV": ("88880001", BLANK_STOCK), "MEM": ("88880002", 5), "CORP": ("88880003", 5)}
# The old system's cards waiting for migration (实体卡迁移): number, balance fen, status, type
LEGACY_CARDS = (("6100000000000001", 35050, "正常", "老储值卡", 1200),
                ("6100000000000002", 12000, "正常", "老储值卡", 0),
                ("6100000000000003", 800, "挂失", "老会员卡", 300))
# The chain's member rules in the demo: points live two years; a sale of ¥100 or more
# by a customer without a membership card prompts the cashier to offer one.
DEMO_POLICIES = {"points_expiry_months": "24", "membership_min_sale_yuan": "100"}


def card_number(stem: str) -> str:
    return luhn_complete(stem)


def is_seeded() -> bool:
    return outlets.by_code(OUTLET_CODE) is not None


def seed(session_factory) -> None:
    """`session_factory(actor)` gives a Session for an actor (the CLI's runtime)."""
    with database.atomic():
        outlet = outlets.add(
            code=OUTLET_CODE, name="康宁大药房 南京东路店", area="黄浦片区", manager="张强",
            address="上海市黄浦区南京东路100号", phone="021-63210000", business_format="药房",
            bank_account="招商银行 6225 8800 1234 5678")
        terminals = [outlets.add_terminal(outlet.id, code, name)
                     for code, name in (("T01", "收银台1"), ("T02", "会员中心"))]
        system = session_factory(Actor(outlet_id=outlet.id, terminal_id=None))
        audit.append(system, "demo.seed", subject=f"outlet:{outlet.code}")
        for op in OPERATORS:
            operator_store.add(
                outlet=outlet, login_id=op.login_id, name=op.name, role=op.role,
                password_hash=system.hasher.hash(op.password), password_changed_at=system.now())
        products = _products(outlet, system.now().date())
        members = _members(outlet)
        _cards(system, outlet, products, members)
        _customer(system, outlet, members[3])
        for code, (prefix, count) in BLANK_SERIES.items():
            _blank_stock(outlet, products[code], prefix, count)
        legacy_cards.add(
            [{"number": number, "balance": balance, "outlet_code": OUTLET_CODE,
              "status": status, "card_type": kind, "imported_at": system.now(),
              "points": points}
             for number, balance, status, kind, points in LEGACY_CARDS])
        for policy_key, value in DEMO_POLICIES.items():
            settings.set_policy_unless_set(policy_key, value)
    write_samples(system.runtime.settings.home / "samples",
                  in_last_month(system.now()).strftime("%Y-%m"))
    return terminals


def in_last_month(moment: dt.datetime) -> dt.datetime:
    """A moment of last month: the demo's channel orders were redeemed then, as only a
    finished month, last month, is reconciled with the channel."""
    return moment.replace(day=1) - dt.timedelta(days=10)


def _products(outlet: models.Outlet, today: dt.date) -> dict[str, models.CardProduct]:
    specs = [
        dict(code="SV", name="储值卡", kind="stored_value", points_per_yuan=1, issue_fee=1000,
             deposit=0, tier_thresholds="银卡:5000,金卡:20000"),
        dict(code="INS", name="泰康卡", kind="insurance", issuer="泰康", spend_order="principal_first",
             forbidden_categories="保健品", signature_required=True),
        dict(code="MEM", name="会员卡", kind="membership", points_per_yuan=2,
             tier_thresholds="银卡:5000,金卡:20000"),
        dict(code="CORP", name="企业卡", kind="stored_value", sub_card_limit=5, deposit=2000,
             spend_order="proportional"),
        dict(code="YB", name="亿保卡", kind="insurance", issuer="亿保",
             forbidden_categories="保健品", signature_required=True),
        dict(code="INT", name="内部卡", kind="internal", prepaid=False),
    ]
    products = {spec["code"]: catalog.add_product(**spec) for spec in specs}
    for code in ("SV", "INS", "MEM", "CORP", "INT"):  # not 亿保卡: 无匹配卫生机构
        catalog.open_product(outlet.id, products[code].id)
    catalog.add_promotion(product=products["SV"], name="充500送50", min_amount=50000,
                          bonus=5000, starts_on=today - dt.timedelta(days=30),
                          ends_on=today + dt.timedelta(days=365))
    return products


def _members(outlet: models.Outlet) -> list[models.Member]:
    rows = [("张伟", "13800138000", "110101199003078515", "普通", "门店", "黄浦"),
            ("李秀英", "13900139000", "310101196512120025", "金卡", "线上", "静安"),
            ("王磊", "13700137000", "310104198807150019", "银卡", "门店", "徐汇"),
            ("上海示范科技有限公司", "02163211234", "", "企业", "企业", "黄浦")]
    return [member_store.add(name=name, phone=phone, id_number=id_number, level=level,
                             source=source, region=region, outlet=outlet)
            for name, phone, id_number, level, source, region in rows]


def _cards(system: Session, outlet, products, members) -> None:
    created = {}
    today = system.now().date()
    for stem, (product, principal, bonus, points, member, main) in CARDS.items():
        # Named prepaid cards never expire; anonymous ones (and insurers' cards) in 3 years.
        expires = today.replace(year=today.year + 3) \
            if member is None or product == "INS" else None
        if stem in EXPIRED_CARDS:
            expires = today - dt.timedelta(days=1)
        card = card_store.add(
            number=card_number(stem), product=products[product], status="active",
            outlet=outlet, member=members[member] if member is not None else None,
            anonymous=member is None, company=product == "CORP",
            main_card=created.get(main), pin_hash=system.hasher.hash(DEMO_PIN),
            expires_on=expires)
        open_card_accounts(card)
        created[stem] = card
        _opening_balance(system, card, principal, bonus, points)


# The company of the demo's company cards as a customer (客户): its code, invoice details,
# credit, an account holding ¥3,000 and a monthly template for its two sub cards.
DEMO_CUSTOMER = dict(code="310100010001", name="上海示范科技有限公司", kind="company",
                     invoice_title="上海示范科技有限公司", tax_number="91310101MA1FPX0001",
                     contact="赵敏", phone="02163211234", credit_limit=200000,
                     credit_rating="A")
DEMO_CUSTOMER_FUNDS = 300000


def _customer(system: Session, outlet: models.Outlet, member: models.Member) -> None:
    customer = customer_store.add(outlet=outlet.id, member=member.id, **DEMO_CUSTOMER)
    corp = {card_number(stem): card_store.by_number(card_number(stem)).id
            for stem, spec in CARDS.items() if spec[0] == "CORP"}
    for card_id in corp.values():
        card_store.change(card_id, customer=customer.id)
    main, *subs = sorted(corp)
    for number, plate in zip(subs, ("沪A12345", "沪AD67890")):  # the company's vehicles
        card_store.change(corp[number], plate_number=plate)
    customer_store.save_template(customer.id, "每月油费", corp[main],
                                 [(corp[number], 10000) for number in subs], None, system.now())

    def run(posting: Posting) -> dict:
        posting.move(till_account(outlet.id, None, "migration_suspense"),
                     customer_account(customer), DEMO_CUSTOMER_FUNDS)
        return {"customer": customer.code, "amount": DEMO_CUSTOMER_FUNDS}

    perform(system, kind="opening_balance", key=f"demo-opening-customer-{customer.code}",
            request={"customer": customer.code}, run=run, amount=DEMO_CUSTOMER_FUNDS)


def _opening_balance(system: Session, card: models.Card, principal: int, bonus: int,
                     points: int) -> None:
    def run(posting: Posting) -> dict:
        accounts = card_accounts(card)
        if card.product.kind == "insurance":
            source = issuer_account(card.product.issuer, "issuer_funding")
        elif card.product.kind == "internal":  # the chain's own money
            source = till_account(card.outlet_id, None, "internal_funds")
        else:
            source = till_account(card.outlet_id, None, "migration_suspense")
        posting.move(source, accounts["principal"], principal)
        posting.move(source, accounts["bonus"], bonus)
        posting.move(till_account(card.outlet_id, None, "points_issued"), accounts["points"],
                     points)
        return {"principal": principal, "bonus": bonus, "points": points}

    perform(system, kind="opening_balance", key=f"demo-opening-{card.number}",
            request={"card": card.number}, run=run, card=card,
            amount=principal + bonus)


def seed_channel_orders(session_factory) -> None:
    """The insurer channel orders redeemed last month, for the sample statement of last
    month to reconcile (`kiosk seed-demo` loads them; the test suite's base seed does
    not)."""
    from dataclasses import replace

    from kiosk.services.channel_orders import import_orders
    from kiosk.services.charge import charge
    outlet = outlets.by_code(OUTLET_CODE)
    # At the counter's till, whose audit chain holds nothing yet: the chain stays in the
    # order of business dates (the outlet's own chain has today's seed already, and the
    # export of a day checks that its events follow each other).
    till = outlets.terminal(outlet.id, "T01")
    now = session_factory(Actor(outlet_id=outlet.id, terminal_id=till.id))
    then = in_last_month(now.now())
    system = Session(replace(now.runtime, clock=lambda: then), now.actor)
    import_orders(system, channel="taikang",
                  path=system.runtime.settings.home / "samples" / ORDER_LIST)
    for order_no, amount in CHANNEL_ORDERS.items():
        charge(system, card_number=card_number("888800000000007"), amount=amount, pin=DEMO_PIN,
               key=f"demo-channel-{order_no}", channel_order_no=order_no)


# The demo's store POS (README: one sale sent with curl). A real POS gets its own token
# from `kiosk admin pos add`, shown once; this one is public and only for the demo.
DEMO_POS_CODE = "POS01"
DEMO_POS_TOKEN = "POS01.demo-token-for-the-demo-only"


def seed_pos(session_factory) -> bool:
    """The demo's store POS, bound to terminal T01 (added to a demo store made before it
    existed too); whether it was added."""
    from kiosk.store import pos as pos_store
    if pos_store.pos_by_code(DEMO_POS_CODE) is not None:
        return False
    outlet = outlets.by_code(OUTLET_CODE)
    terminal = outlets.terminal(outlet.id, "T01")
    system = session_factory(Actor(outlet_id=outlet.id, terminal_id=None))
    with database.atomic():
        pos_store.add_pos(DEMO_POS_CODE, "药房收银POS", outlet.id, terminal.id,
                          system.hasher.hash(DEMO_POS_TOKEN), system.now())
        audit.append(system, "pos.register", subject=f"pos:{DEMO_POS_CODE}",
                     details={"outlet": OUTLET_CODE, "terminal": "T01"})
    return True


def _blank_stock(outlet: models.Outlet, product: models.CardProduct, prefix: str,
                 count: int) -> None:
    for serial in range(1, count + 1):
        card = card_store.add(number=card_number(f"{prefix}{serial:07d}"), product=product,
                              status="blank", outlet=outlet)
        open_card_accounts(card)


def tiny_png() -> bytes:
    """A 1x1 white PNG: the demo's voucher image for a migration."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def write_samples(folder, month: str) -> None:
    """Files a demo user imports: a batch recharge list (and one with mistakes), old-
    system card balances, a voucher image, and the insurer channel's statement of the
    month with planted differences."""
    folder.mkdir(parents=True, exist_ok=True)
    sv, main = card_number("888800000000001"), card_number("888800000000004")
    samples = {
        "batch-recharge.csv": f"卡号,金额\n{sv},100.00\n{main},500\n",
        "batch-recharge-mistakes.csv": f"卡号,金额\n{sv},100.005\n{sv},20\n"
                                       f"8888000000009999,10\n",
        # ¥10,000 in one list: the real-name rule asks for the buyer before it is submitted.
        "batch-recharge-10000.csv": f"卡号,金额\n{sv},4000\n{card_number('888800000000003')},5000\n"
                                    f"{main},1000\n",
        "legacy-cards.csv": "卡号,余额,门店,状态,卡类型,积分\n"
                            "6100000000000011,66.60,31010001,正常,老储值卡,520\n",
    }
    samples[ORDER_LIST] = "渠道订单号,结算金额,门店编码\n" + "".join(
        f"{order_no},{fen / 100:.2f},{OUTLET_CODE}\n"
        for order_no, fen in {**CHANNEL_ORDERS, **OPEN_CHANNEL_ORDERS}.items())
    samples[f"statement-taikang-{month}.csv"] = "渠道订单号,结算金额\n" + "".join(
        f"{order_no},{amount}\n" for order_no, amount in STATEMENT)
    for name, text in samples.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "voucher.png").write_bytes(tiny_png())
