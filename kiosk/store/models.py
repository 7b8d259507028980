"""Peewee models: cards, members, accounts, the journal, receipts and the audit chain.

Money columns are BigIntegerField fen. Journal entries and audit events are only
ever inserted; corrections are new operations that point at the original.
"""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store.db import database


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Meta(BaseModel):
    """Key/value facts about this store: schema version, pepper fingerprint."""

    key = pw.CharField(primary_key=True, max_length=64)
    value = pw.TextField()


class Outlet(BaseModel):
    code = pw.CharField(max_length=8, unique=True)  # the fuel system's 8-digit outlet code
    name = pw.CharField(max_length=100)
    area = pw.CharField(max_length=50, default="")
    manager = pw.CharField(max_length=50, default="")
    address = pw.CharField(max_length=200, default="")
    phone = pw.CharField(max_length=30, default="")
    active = pw.BooleanField(default=True)
    time_zone = pw.CharField(max_length=50, default="Asia/Shanghai")
    day_boundary = pw.CharField(max_length=5, default="04:00")
    # The chain's card store (总部): blank cards are received here and sent to outlets.
    head_office = pw.BooleanField(default=False)
    # Its business format (业态: pharmacy, health store, clinic ...): the store ledger is
    # read for one outlet or for every outlet of a format (migration 22).
    business_format = pw.CharField(max_length=20, default="")
    # The bank account a channel pays its settlements into (结算账户: bank and number),
    # filled in on a settlement and printed on its statement (migration 23).
    bank_account = pw.CharField(max_length=80, default="", constraints=[pw.SQL("DEFAULT ''")])


class Terminal(BaseModel):
    outlet = pw.ForeignKeyField(Outlet, backref="terminals")
    code = pw.CharField(max_length=20)
    name = pw.CharField(max_length=50, default="")
    active = pw.BooleanField(default=True)
    # Receipt numbers run per terminal: no gaps, and no row every till must wait on.
    next_receipt_no = pw.BigIntegerField(default=1)

    class Meta:
        indexes = ((("outlet", "code"), True),)


class Role(BaseModel):
    name = pw.CharField(max_length=30, unique=True)
    title = pw.CharField(max_length=50, default="")
    # Whether logging in opens a cash shift (班次) that must be closed before the day
    # closes: the till's roles do; finance and administration do not (migration 8).
    opens_cash_shift = pw.BooleanField(default=True)


class Policy(BaseModel):
    """The chain's rules an administrator sets (tries before a lock, password length and
    age), one row each: services/policies.py reads them with their defaults."""

    key = pw.CharField(max_length=40, primary_key=True)
    value = pw.CharField(max_length=100)


class Tender(BaseModel):
    """A way money is paid in or out at the till (收款方式): cash, bank card, cheque ...
    `account_kind` is the till account it moves (outlet_cash, outlet_bank, ...)."""

    code = pw.CharField(max_length=12, unique=True)
    name = pw.CharField(max_length=30)
    account_kind = pw.CharField(max_length=24)
    active = pw.BooleanField(default=True)


class RolePermission(BaseModel):
    role = pw.ForeignKeyField(Role, backref="permissions", on_delete="CASCADE")
    permission = pw.CharField(max_length=40)

    class Meta:
        indexes = ((("role", "permission"), True),)


class Operator(BaseModel):
    outlet = pw.ForeignKeyField(Outlet, backref="operators")
    login_id = pw.CharField(max_length=30)
    name = pw.CharField(max_length=50)
    role = pw.ForeignKeyField(Role)
    password_hash = pw.CharField(max_length=200)
    previous_password_hash = pw.CharField(max_length=200, default="")
    failed_tries = pw.IntegerField(default=0)
    locked = pw.BooleanField(default=False)
    # Wrong passwords typed into another operator's review prompt: they lock the
    # reviews this operator may give, never their own login (migration 7).
    review_failures = pw.IntegerField(default=0)
    # Password checks running now: a try is claimed before the slow hash (store/tries.py).
    login_checks = pw.IntegerField(default=0)
    review_checks = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)
    password_changed_at = pw.DateTimeField(default=utc_now)
    must_change_password = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("outlet", "login_id"), True),)


class OperatorLoginChange(BaseModel):
    """An operator's login id can change; the history of who was who stays."""

    operator = pw.ForeignKeyField(Operator, backref="login_changes")
    old_login_id = pw.CharField(max_length=30)
    new_login_id = pw.CharField(max_length=30)
    changed_at = pw.DateTimeField(default=utc_now)
    changed_by = pw.ForeignKeyField(Operator, null=True)


class Member(BaseModel):
    name = pw.CharField(max_length=50, index=True)
    phone = pw.CharField(max_length=20, index=True, default="")
    id_number = pw.CharField(max_length=18, index=True, default="")
    level = pw.CharField(max_length=20, default="", index=True)
    source = pw.CharField(max_length=30, default="", index=True)
    region = pw.CharField(max_length=30, default="", index=True)
    tags = pw.CharField(max_length=200, default="")
    old_card_numbers = pw.CharField(max_length=200, default="")
    outlet = pw.ForeignKeyField(Outlet, null=True)
    created_at = pw.DateTimeField(default=utc_now)


class Customer(BaseModel):
    """A customer (客户) of the fuel-card manual: usually a company with main cards and
    their sub cards. Its account (客户账户, an Account coded customer:<id>:funds) is
    recharged and allocated to its main cards; it may go below zero down to the credit
    limit (信用额度), decided on this row locked. `member` is the holder record its
    cards are issued to (the company's name, for the real-name rules)."""

    code = pw.CharField(max_length=20, unique=True)  # 客户编码
    name = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=8, default="company")
    member = pw.ForeignKeyField(Member, null=True)
    outlet = pw.ForeignKeyField(Outlet, null=True)  # registered at
    credit_limit = pw.BigIntegerField(default=0)  # fen the account may owe
    credit_rating = pw.CharField(max_length=8, default="")  # 信用等级: AAA ... D
    invoice_title = pw.CharField(max_length=100, default="")  # 发票抬头
    tax_number = pw.CharField(max_length=20, default="")  # 纳税人识别号
    contact = pw.CharField(max_length=50, default="")
    phone = pw.CharField(max_length=20, default="")
    address = pw.CharField(max_length=200, default="")
    created_at = pw.DateTimeField(default=utc_now)


SPEND_ORDERS = ("principal_first", "bonus_first", "proportional")
PRODUCT_KINDS = ("stored_value", "membership", "insurance", "fuel", "internal")
# Cards whose balances are not customers' stored value: an insurer's money, or the
# chain's own on its internal cards (内部卡); reports of stored value leave them out.
OUTSIDE_STORED_VALUE = ("insurance", "internal")


def revenue_by_default(kind: str) -> bool:
    """Whether a product of this kind sells as revenue unless the chain says otherwise:
    every kind but an insurer's card, which pays from the issuer's money."""
    return kind != "insurance"


class MemberChange(BaseModel):
    """Edits to a member, field by field: who changed what, when (never overwritten)."""

    member = pw.ForeignKeyField(Member, backref="changes")
    field = pw.CharField(max_length=30)
    old_value = pw.CharField(max_length=200)
    new_value = pw.CharField(max_length=200)
    changed_at = pw.DateTimeField(default=utc_now)
    operator = pw.ForeignKeyField(Operator, null=True)


class CardProduct(BaseModel):
    code = pw.CharField(max_length=20, unique=True)
    name = pw.CharField(max_length=50)
    kind = pw.CharField(max_length=20, choices=[(k, k) for k in PRODUCT_KINDS])
    issuer = pw.CharField(max_length=50, default="")
    spend_order = pw.CharField(max_length=20, default="principal_first")
    allowed_categories = pw.CharField(max_length=300, default="")  # comma list, empty = all
    forbidden_categories = pw.CharField(max_length=300, default="")
    issue_fee = pw.BigIntegerField(default=0)
    deposit = pw.BigIntegerField(default=0)
    sub_card_limit = pw.IntegerField(default=0)
    points_per_yuan = pw.IntegerField(default=0)
    uses_luhn = pw.BooleanField(default=True)
    signature_required = pw.BooleanField(default=False)
    tier_thresholds = pw.CharField(max_length=200, default="")  # "silver:5000,gold:20000" points
    validity_months = pw.IntegerField(default=0)  # 0 = no expiry
    active = pw.BooleanField(default=True)
    # The PIN a card of this product starts with: "typed" by the customer at issue, or
    # "id_last6" (the last six of the holder's ID number, X as 0: the insurers' rule).
    initial_pin = pw.CharField(max_length=12, default="typed")
    # A single-purpose prepaid card (单用途商业预付卡) the chain sells: the commerce
    # ministry's rules apply (services/prepaid.py). Every kind but insurance by default:
    # an insurer's card is funded by the insurer, not sold by the chain (migration 9).
    prepaid = pw.BooleanField(default=True)
    # Whether what a card of this product pays (a sale, a channel order redeemed) counts
    # as the outlet's revenue (its sales account); if not, it is the issuer's receivable,
    # collected from the issuer later. Every kind but insurance by default (migration 20).
    revenue = pw.BooleanField(default=True)


class OutletProduct(BaseModel):
    """A card product (and so its issuer) opened for an outlet; others get 无匹配卫生机构."""

    outlet = pw.ForeignKeyField(Outlet, backref="products")
    product = pw.ForeignKeyField(CardProduct)

    class Meta:
        indexes = ((("outlet", "product"), True),)


class Promotion(BaseModel):
    """Recharge promotion: pay at least `min_amount`, get `bonus` (both fen)."""

    product = pw.ForeignKeyField(CardProduct, backref="promotions")
    name = pw.CharField(max_length=50)
    min_amount = pw.BigIntegerField()
    bonus = pw.BigIntegerField()
    starts_on = pw.DateField()
    ends_on = pw.DateField()


CARD_STATUSES = ("blank", "written", "active", "lost", "frozen", "expired", "replaced",
                 "void", "cleared")


class Card(BaseModel):
    number = pw.CharField(max_length=32, unique=True)
    product = pw.ForeignKeyField(CardProduct)
    status = pw.CharField(max_length=12, default="blank", index=True)
    outlet = pw.ForeignKeyField(Outlet, null=True)  # the outlet that holds or issued it
    member = pw.ForeignKeyField(Member, null=True, backref="cards")
    main_card = pw.ForeignKeyField("self", null=True, backref="sub_cards")
    anonymous = pw.BooleanField(default=False)
    company = pw.BooleanField(default=False)
    tier = pw.CharField(max_length=20, default="")
    pin_hash = pw.CharField(max_length=200, default="")
    pin_failures = pw.IntegerField(default=0)
    pin_locked = pw.BooleanField(default=False)
    pin_checks = pw.IntegerField(default=0)  # PIN checks running now (migration 7)
    expires_on = pw.DateField(null=True)
    replaced_by = pw.ForeignKeyField("self", null=True, backref="replacing")
    uid = pw.CharField(max_length=40, null=True, unique=True)  # PC/SC card UID
    daily_limit = pw.BigIntegerField(default=0)  # 0 = none
    allowed_outlets = pw.CharField(max_length=300, default="")  # comma list of outlet codes
    created_at = pw.DateTimeField(default=utc_now)
    # The card's own category limits (限制信息), on top of its product's (migration 5).
    allowed_categories = pw.CharField(max_length=300, default="")
    forbidden_categories = pw.CharField(max_length=300, default="")
    # The customer (company) whose main card or sub card this is (migration 14).
    customer = pw.ForeignKeyField(Customer, null=True, backref="cards")
    # A fuel card's vehicle (车牌号) and the clerk's remark (卡资料, migration 15); empty
    # by the database's default too, as in a store the migration upgraded.
    plate_number = pw.CharField(max_length=12, default="", constraints=[pw.SQL("DEFAULT ''")])
    remark = pw.CharField(max_length=200, default="", constraints=[pw.SQL("DEFAULT ''")])


class CardChange(BaseModel):
    """A card's details changed (卡资料修改), field by field, with who did it and who
    reviewed it: never overwritten."""

    card = pw.ForeignKeyField(Card, backref="changes")
    field = pw.CharField(max_length=30)
    old_value = pw.CharField(max_length=200)
    new_value = pw.CharField(max_length=200)
    changed_at = pw.DateTimeField(default=utc_now)
    operator = pw.ForeignKeyField(Operator, null=True)
    reviewer = pw.ForeignKeyField(Operator, null=True)


ACCOUNT_KINDS = ("principal", "bonus", "points", "deposit", "outlet_cash", "outlet_bank",
                 "outlet_sales", "issuer_receivable", "promotion_expense", "points_issued",
                 "migration_suspense", "fee_income", "refund_payable", "points_redeemed",
                 "points_expired", "fee_income_no_invoice", "customer_funds", "internal_funds", "internal_use",
                 "internal_expense")


class Account(BaseModel):
    """A balance in one unit. Card accounts may never go below zero; system ones may."""

    code = pw.CharField(max_length=80, unique=True)  # e.g. card:8888...:principal, terminal:3:sales
    kind = pw.CharField(max_length=24)
    unit = pw.CharField(max_length=6, default="fen")  # fen or point
    card = pw.ForeignKeyField(Card, null=True, backref="accounts")
    outlet = pw.ForeignKeyField(Outlet, null=True)
    terminal = pw.ForeignKeyField(Terminal, null=True)  # a till's own drawer and sales
    balance = pw.BigIntegerField(default=0)
    allow_negative = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("card", "kind"), False),)


class Shift(BaseModel):
    """An operator's shift (班次) at one terminal; closed by the shift close (班结)."""

    outlet = pw.ForeignKeyField(Outlet)
    terminal = pw.ForeignKeyField(Terminal, null=True)
    operator = pw.ForeignKeyField(Operator)
    business_date = pw.DateField()
    opened_at = pw.DateTimeField(default=utc_now)
    closed_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("operator", "closed_at"), False),)


class Operation(BaseModel):
    """One business operation: the header its journal entries hang from."""

    kind = pw.CharField(max_length=24)
    idempotency_key = pw.CharField(max_length=80, unique=True)
    request_hash = pw.CharField(max_length=64)
    outlet = pw.ForeignKeyField(Outlet)
    terminal = pw.ForeignKeyField(Terminal, null=True)
    operator = pw.ForeignKeyField(Operator, null=True)
    shift = pw.ForeignKeyField(Shift, null=True)
    reviewer = pw.ForeignKeyField(Operator, null=True)
    card = pw.ForeignKeyField(Card, null=True)
    amount = pw.BigIntegerField(default=0)
    tender = pw.CharField(max_length=12, default="")
    reverses = pw.ForeignKeyField("self", null=True, backref="reversals")
    business_date = pw.DateField()
    created_at = pw.DateTimeField(default=utc_now)
    channel_order_no = pw.CharField(max_length=64, null=True, index=True)
    memo = pw.CharField(max_length=500, default="")
    result = pw.TextField(default="{}")  # JSON of what the first call returned
    # How much of `amount` refunds, reversals and insurance transfers have taken: claimed
    # with one conditional UPDATE on this row, so two terminals never take the same fen.
    reversed_amount = pw.BigIntegerField(default=0)

    class Meta:
        indexes = (
            (("outlet", "business_date"), False),
            (("card", "created_at"), False),
            (("operator", "business_date"), False),
        )


class JournalEntry(BaseModel):
    """A signed movement on one account; the entries of an operation sum to zero per unit."""

    operation = pw.ForeignKeyField(Operation, backref="entries")
    account = pw.ForeignKeyField(Account, backref="entries")
    amount = pw.BigIntegerField()
    business_date = pw.DateField()
    # The operation's outlet: the key a distributed store would shard the hot tables by
    # (docs/scaling.md); null only on rows from before schema version 11 not backfilled.
    outlet = pw.ForeignKeyField(Outlet, null=True)

    class Meta:
        indexes = ((("account", "operation"), False), (("business_date",), False))


class Receipt(BaseModel):
    """A receipt built as bytes; it waits here until printed or cancelled."""

    terminal = pw.ForeignKeyField(Terminal)
    receipt_no = pw.BigIntegerField()
    operation = pw.ForeignKeyField(Operation, backref="receipts")
    # The printer's bytes and the text as stored by versions before 2026-11-22; receipts
    # are now laid out from `document` when printed, and these stay empty.
    body = pw.BlobField(default=b"")
    text = pw.TextField(default="")
    document = pw.TextField(default="{}")  # the ReceiptDoc as JSON: what is printed
    status = pw.CharField(max_length=10, default="queued")  # queued, printed, cancelled
    copies_printed = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=200, default="")
    created_at = pw.DateTimeField(default=utc_now)
    printed_at = pw.DateTimeField(null=True)
    outlet = pw.ForeignKeyField(Outlet, null=True)  # the terminal's: the distribution key

    class Meta:
        indexes = ((("terminal", "receipt_no"), True), (("status",), False))


class DayClose(BaseModel):
    """Outlet daily close (日结): nothing posts into this business date any more."""

    outlet = pw.ForeignKeyField(Outlet)
    business_date = pw.DateField()
    closed_at = pw.DateTimeField(default=utc_now)
    operator = pw.ForeignKeyField(Operator, null=True)
    # The head of every audit chain of the outlet when the day closed, as canonical JSON
    # {chain: [seq, hash]}: the chains anchored together (also in the close's own event).
    anchors = pw.TextField(default="{}")

    class Meta:
        indexes = ((("outlet", "business_date"), True),)


class MonthClose(BaseModel):
    """Monthly close (月结) of an outlet, after every day of the month is closed."""

    outlet = pw.ForeignKeyField(Outlet)
    month = pw.CharField(max_length=7)  # YYYY-MM
    closed_at = pw.DateTimeField(default=utc_now)
    operator = pw.ForeignKeyField(Operator, null=True)

    class Meta:
        indexes = ((("outlet", "month"), True),)


class AuditHead(BaseModel):
    """The one chain head of schema versions 1-6; read once when `kiosk init` moves its
    events into keyed chains (services/audit.py), never written again."""

    id = pw.IntegerField(primary_key=True)
    seq = pw.BigIntegerField(default=0)
    hash = pw.CharField(max_length=64, default="0" * 64)


class AuditChain(BaseModel):
    """One audit chain per terminal (or per outlet for actions off a terminal): an append
    locks only its own chain's head, so terminals never queue behind each other."""

    name = pw.CharField(max_length=40, unique=True)  # "31010001/T01", "31010001"
    outlet = pw.ForeignKeyField(Outlet, null=True)
    seq = pw.BigIntegerField(default=0)
    hash = pw.CharField(max_length=64, default="0" * 64)
    # A keyed seal of (name, seq, hash): moving the head back to an earlier event, after
    # deleting the events after it, needs the key.
    seal = pw.CharField(max_length=64, default="")


class AuditEvent(BaseModel):
    chain = pw.ForeignKeyField(AuditChain, null=True)  # null only before `kiosk init` v7
    seq = pw.BigIntegerField()
    at = pw.DateTimeField(default=utc_now)
    action = pw.CharField(max_length=40)
    outlet_code = pw.CharField(max_length=8, default="")
    terminal_code = pw.CharField(max_length=20, default="")
    operator_login = pw.CharField(max_length=30, default="")
    subject = pw.CharField(max_length=80, default="")
    operation = pw.ForeignKeyField(Operation, null=True)
    details = pw.TextField(default="{}")  # canonical JSON, never a secret
    business_date = pw.DateField(null=True)  # the outlet's, so the export keeps it whole
    prev_hash = pw.CharField(max_length=64)
    hash = pw.CharField(max_length=64)

    class Meta:
        indexes = ((("chain", "seq"), True), (("outlet_code", "business_date"), False))


class BatchList(BaseModel):
    """批量充值清单: imported, submitted, reviewed by a second person, then run."""

    outlet = pw.ForeignKeyField(Outlet)
    name = pw.CharField(max_length=100)
    tender = pw.CharField(max_length=12, default="bank")
    status = pw.CharField(max_length=12, default="draft")  # draft submitted reviewed run void withdrawn
    created_by = pw.ForeignKeyField(Operator, null=True)
    reviewed_by = pw.ForeignKeyField(Operator, null=True)
    created_at = pw.DateTimeField(default=utc_now)
    total = pw.BigIntegerField(default=0)


class BatchLine(BaseModel):
    batch = pw.ForeignKeyField(BatchList, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    card_number = pw.CharField(max_length=32)
    amount = pw.BigIntegerField()
    operation = pw.ForeignKeyField(Operation, null=True)

    class Meta:
        indexes = ((("batch", "line_no"), True),)


class InsuranceTransfer(BaseModel):
    """保险卡转储值卡: an amount charged on an insurance card, credited to the member's
    stored-value card once finance approves."""

    outlet = pw.ForeignKeyField(Outlet)
    charge = pw.ForeignKeyField(Operation, unique=True)
    insurance_card = pw.ForeignKeyField(Card)
    target_card = pw.ForeignKeyField(Card)
    amount = pw.BigIntegerField()
    status = pw.CharField(max_length=10, default="pending")  # pending approved rejected
    requested_by = pw.ForeignKeyField(Operator, null=True)
    decided_by = pw.ForeignKeyField(Operator, null=True)
    requested_at = pw.DateTimeField(default=utc_now)
    decided_at = pw.DateTimeField(null=True)
    credit = pw.ForeignKeyField(Operation, null=True)
    reason = pw.CharField(max_length=200, default="")
    # When the member was texted that the credit arrived (None: not yet, or it failed).
    told_at = pw.DateTimeField(null=True)


class LegacyCard(BaseModel):
    """A card of the old system (实体卡迁移): its balance waits here until migrated once."""

    number = pw.CharField(max_length=32, unique=True)
    card_type = pw.CharField(max_length=30, default="")
    balance = pw.BigIntegerField()
    outlet_code = pw.CharField(max_length=8, default="")
    status = pw.CharField(max_length=20, default="")
    imported_at = pw.DateTimeField(default=utc_now)
    migrated_at = pw.DateTimeField(null=True)
    member = pw.ForeignKeyField(Member, null=True)
    target_card = pw.ForeignKeyField(Card, null=True)
    operator = pw.ForeignKeyField(Operator, null=True)
    operator_name = pw.CharField(max_length=50, default="")
    operation = pw.ForeignKeyField(Operation, null=True)
    remarks = pw.CharField(max_length=500, default="")
    vouchers = pw.TextField(default="[]")  # JSON list of stored voucher file names
    points = pw.BigIntegerField(default=0)  # the old card's points, moved with it (v9)


class VerificationCode(BaseModel):
    """A one-time code sent to a member's phone; only its hash is kept."""

    phone = pw.CharField(max_length=20, index=True)
    purpose = pw.CharField(max_length=20)
    code_hash = pw.CharField(max_length=200)
    expires_at = pw.DateTimeField()
    used = pw.BooleanField(default=False)
    failures = pw.IntegerField(default=0)
    checks = pw.IntegerField(default=0)  # checks running now (migration 7)


class Reconciliation(BaseModel):
    """A channel's month, matched against its statement and confirmed by finance."""

    outlet = pw.ForeignKeyField(Outlet)
    channel = pw.CharField(max_length=30)
    month = pw.CharField(max_length=7)  # YYYY-MM
    matched_count = pw.IntegerField()
    matched_total = pw.BigIntegerField()
    statement_sha256 = pw.CharField(max_length=64)
    confirmed_by = pw.ForeignKeyField(Operator, null=True)
    confirmed_at = pw.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("outlet", "channel", "month"), True),)


class StockMove(BaseModel):
    """卡库存: blank cards received from the card maker, requested, sent and received
    between head office and outlets, returned, exchanged or scrapped. The cards of a
    move are its StockMoveCard rows; a card in transit is held by no outlet."""

    kind = pw.CharField(max_length=12)  # receive, request, send, return, exchange, scrap
    product = pw.ForeignKeyField(CardProduct)
    from_outlet = pw.ForeignKeyField(Outlet, null=True)
    to_outlet = pw.ForeignKeyField(Outlet, null=True)
    count = pw.IntegerField()
    status = pw.CharField(max_length=12)  # requested, sent, received, done, cancelled
    note = pw.CharField(max_length=200, default="")
    operator = pw.ForeignKeyField(Operator, null=True)
    created_at = pw.DateTimeField(default=utc_now)
    completed_by = pw.ForeignKeyField(Operator, null=True)
    completed_at = pw.DateTimeField(null=True)


class StockMoveCard(BaseModel):
    move = pw.ForeignKeyField(StockMove, backref="cards")
    card = pw.ForeignKeyField(Card)

    class Meta:
        indexes = ((("move", "card"), True),)


class ChannelOrder(BaseModel):
    """An order of a sales channel (e.g. an insurer's app) to be verified at the counter:
    imported from the channel's order list, redeemed by the charge that names it."""

    channel = pw.CharField(max_length=30)
    order_no = pw.CharField(max_length=64)
    amount = pw.BigIntegerField()
    outlet = pw.ForeignKeyField(Outlet, null=True)
    ordered_at = pw.DateTimeField(null=True)
    status = pw.CharField(max_length=12, default="open")  # open, redeemed, cancelled
    operation = pw.ForeignKeyField(Operation, null=True)
    imported_at = pw.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("channel", "order_no"), True),)


SETTLEMENT_STARTED, SETTLEMENT_PAID = "started", "paid"  # 结算中, 已结算


class ChannelSettlement(BaseModel):
    """结算: redeemed channel orders finance picked and claims from the channel, into the
    clinic's bank account: started (结算中) when picked, paid (已结算) when the channel's
    payment is recorded (a bank transfer's serial number, or a coupon used once)."""

    channel = pw.CharField(max_length=30)
    outlet = pw.ForeignKeyField(Outlet)
    status = pw.CharField(max_length=12, default=SETTLEMENT_STARTED)
    order_count = pw.IntegerField()
    total = pw.BigIntegerField()
    bank_account = pw.CharField(max_length=80)  # the clinic's, on the statement
    started_by = pw.ForeignKeyField(Operation, unique=True, backref="+")
    started_at = pw.DateTimeField(default=utc_now)
    method = pw.CharField(max_length=8, default="")  # bank or coupon, once paid
    reference = pw.CharField(max_length=64, default="")  # bank serial or coupon number
    paid_by = pw.ForeignKeyField(Operation, null=True, unique=True, backref="+")
    paid_at = pw.DateTimeField(null=True)


class ChannelSettlementOrder(BaseModel):
    """An order in a settlement: an order is in one settlement, ever (unique)."""

    settlement = pw.ForeignKeyField(ChannelSettlement, backref="orders")
    order = pw.ForeignKeyField(ChannelOrder, unique=True)
    amount = pw.BigIntegerField()  # what it settles at: the charge less its refunds


class ChannelCoupon(BaseModel):
    """A coupon (券) a channel paid a settlement with: its number is used once."""

    number = pw.CharField(max_length=64, unique=True)
    channel = pw.CharField(max_length=30)
    valid_until = pw.DateField()
    settlement = pw.ForeignKeyField(ChannelSettlement, unique=True)


class PrepaidSale(BaseModel):
    """A purchase of prepaid value that the rules make us record (单用途商业预付卡管理
    办法: real names from ¥10,000, bank transfer with both accounts for large
    purchases): kept with the sale, a recharge's operation or a batch list, and in the
    export (its audit event). Never deleted (services/prepaid.py keeps it five years)."""

    outlet = pw.ForeignKeyField(Outlet)
    operation = pw.ForeignKeyField(Operation, null=True, unique=True)
    batch = pw.ForeignKeyField(BatchList, null=True, unique=True)
    amount = pw.BigIntegerField()
    tender = pw.CharField(max_length=12, default="")
    buyer_kind = pw.CharField(max_length=8, default="person")  # person, company
    buyer_name = pw.CharField(max_length=100, default="")
    buyer_id_number = pw.CharField(max_length=18, default="")
    payer_account_name = pw.CharField(max_length=100, default="")
    payer_account_no = pw.CharField(max_length=40, default="")
    payee_account_name = pw.CharField(max_length=100, default="")
    payee_account_no = pw.CharField(max_length=40, default="")
    created_at = pw.DateTimeField(default=utc_now)
    operator = pw.ForeignKeyField(Operator, null=True)


class InsurerFile(BaseModel):
    """An insurer's file: its cards (holders, opening balances) or its loads and
    adjustments. Imported, reviewed by a second person, then run once, as batch lists."""

    kind = pw.CharField(max_length=12)  # cards, loads
    issuer = pw.CharField(max_length=50)
    name = pw.CharField(max_length=100)
    status = pw.CharField(max_length=12, default="draft")  # draft reviewed run void
    lines_count = pw.IntegerField(default=0)
    total = pw.BigIntegerField(default=0)
    sha256 = pw.CharField(max_length=64)
    created_by = pw.ForeignKeyField(Operator, null=True)
    reviewed_by = pw.ForeignKeyField(Operator, null=True)
    created_at = pw.DateTimeField(default=utc_now)


class InsurerFileLine(BaseModel):
    file = pw.ForeignKeyField(InsurerFile, backref="lines", on_delete="CASCADE")
    line_no = pw.IntegerField()
    card_number = pw.CharField(max_length=32)
    product_code = pw.CharField(max_length=20, default="")
    holder_name = pw.CharField(max_length=50, default="")
    id_number = pw.CharField(max_length=18, default="")
    amount = pw.BigIntegerField(default=0)  # fen: an opening balance, a load, or +/- adjustment
    card = pw.ForeignKeyField(Card, null=True)
    operation = pw.ForeignKeyField(Operation, null=True)

    class Meta:
        indexes = ((("file", "line_no"), True),)


class PosTerminal(BaseModel):
    """A store POS allowed to call the payment endpoint (migration 9): bound to one
    terminal of one outlet, whose counter takes its customers' cards. Only a hash of
    its token is kept (as a password's); the token is shown once when registered."""

    code = pw.CharField(max_length=20, unique=True)
    name = pw.CharField(max_length=50, default="")
    outlet = pw.ForeignKeyField(Outlet)
    terminal = pw.ForeignKeyField(Terminal)
    token_hash = pw.CharField(max_length=200)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utc_now)


class PosRequest(BaseModel):
    """A POS's sale or refund, keyed by the POS's own number for it (its order number,
    or its refund number): pending until the counter approves or declines it or the POS
    cancels it. A declined or cancelled one may be sent again under the same number (a
    new attempt); an approved one never charges again. Its operation's idempotency key
    is made from the row and the attempt, so a retry, a second POST or a restart of the
    kiosk in the middle never posts twice."""

    pos = pw.ForeignKeyField(PosTerminal, backref="requests")
    kind = pw.CharField(max_length=8)  # sale, refund
    number = pw.CharField(max_length=64)
    attempt = pw.IntegerField(default=1)
    state = pw.CharField(max_length=10, default="pending")  # pending approved declined cancelled
    request = pw.TextField()  # canonical JSON of what the POS sent
    request_hash = pw.CharField(max_length=64)
    amount = pw.BigIntegerField()
    original = pw.ForeignKeyField("self", null=True, backref="refunds")  # a refund's sale
    operation = pw.ForeignKeyField(Operation, null=True)
    reason = pw.CharField(max_length=40, default="")  # a decline's reason code
    message = pw.TextField(default="")  # JSON: the decline's message id and parameters
    result = pw.TextField(default="{}")  # JSON: what the approval returns
    created_at = pw.DateTimeField(default=utc_now)
    updated_at = pw.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("pos", "kind", "number"), True), (("state",), False))


CHEQUE_STATUSES = ("received", "cleared", "bounced")


class Cheque(BaseModel):
    """支票: a recharge paid by cheque. Received at the counter (nothing credited yet),
    then cleared by finance when the bank pays it (the card is credited then, once) or
    bounced (nothing is credited). Its status changes only on the locked row."""

    outlet = pw.ForeignKeyField(Outlet)
    card = pw.ForeignKeyField(Card)
    amount = pw.BigIntegerField()
    cheque_no = pw.CharField(max_length=30)
    bank = pw.CharField(max_length=50)
    drawer = pw.CharField(max_length=100, default="")  # 出票人 / 出票单位
    status = pw.CharField(max_length=10, default="received", index=True)
    received = pw.ForeignKeyField(Operation, unique=True)  # the cheque_received operation
    received_on = pw.DateField()  # its business date: the promotion of that day applies
    credit = pw.ForeignKeyField(Operation, null=True)  # the cheque_recharge, once cleared
    decided_by = pw.ForeignKeyField(Operator, null=True)
    decided_at = pw.DateTimeField(null=True)
    reason = pw.CharField(max_length=200, default="")  # why it bounced

    class Meta:
        indexes = ((("bank", "cheque_no"), True),)


class AllocationTemplate(BaseModel):
    """分配模板: a customer's standing allocation from one main card to its sub cards
    (each line a sub card and an amount), run in one operation whenever the company
    says (month by month, say)."""

    customer = pw.ForeignKeyField(Customer, backref="templates")
    main_card = pw.ForeignKeyField(Card)
    name = pw.CharField(max_length=50)
    updated_by = pw.ForeignKeyField(Operator, null=True)
    updated_at = pw.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("customer", "name"), True),)


class AllocationTemplateLine(BaseModel):
    template = pw.ForeignKeyField(AllocationTemplate, backref="lines", on_delete="CASCADE")
    card = pw.ForeignKeyField(Card)
    amount = pw.BigIntegerField()

    class Meta:
        indexes = ((("template", "card"), True),)


class InternalSettlement(BaseModel):
    """内部卡结算: what an internal card used (its charges less their refunds, each
    counted once: InternalSettledUse) up to a business date, booked as the chain's own
    expense; what was left on the card may go back to the internal funds."""

    card = pw.ForeignKeyField(Card, backref="settlements")
    outlet = pw.ForeignKeyField(Outlet)
    operation = pw.ForeignKeyField(Operation, unique=True)
    through_date = pw.DateField()
    used = pw.BigIntegerField()
    returned = pw.BigIntegerField(default=0)
    created_at = pw.DateTimeField(default=utc_now)


class InternalSettledUse(BaseModel):
    """A charge or refund of an internal card, counted by the settlement that booked it
    (once: an operation committed late is simply counted by the next one)."""

    settlement = pw.ForeignKeyField(InternalSettlement, backref="uses")
    operation = pw.ForeignKeyField(Operation, unique=True)


class VoucherTemplate(BaseModel):
    """A voucher's print template as the chain wrote it (凭证打印模板: card issue,
    recharge, loss, replacement, clearing, the customer application form); a kind
    without one prints the kiosk's default."""

    kind = pw.CharField(max_length=24, primary_key=True)
    body = pw.TextField()
    updated_by = pw.ForeignKeyField(Operator, null=True)
    updated_at = pw.DateTimeField(default=utc_now)


class InsurerLink(BaseModel):
    """How an insurer's cards pay: `held` (the balance is ours, on the card's accounts)
    or `online` (the insurer keeps it: its interface at `url` is asked and deducts)."""

    issuer = pw.CharField(max_length=50, unique=True)
    mode = pw.CharField(max_length=10, default="held")  # held, online
    url = pw.CharField(max_length=200, default="")
    timeout_seconds = pw.IntegerField(default=10)
    updated_by = pw.ForeignKeyField(Operator, null=True)
    updated_at = pw.DateTimeField(default=utc_now)


class DeductionStatus:
    """An online insurer's deduction, as it moves: pending -> posted | refused |
    cancelling -> cancelled (refused -> pending when the same sale is tried again)."""

    PENDING, POSTED, REFUSED = "pending", "posted", "refused"
    CANCELLING, CANCELLED = "cancelling", "cancelled"


class InsurerDeduction(BaseModel):
    """A deduction asked of an online insurer, under the sale's idempotency key:
    pending (asked, not yet posted), posted (the insurer confirmed and the charge
    committed), refused, cancelling (to be cancelled at the insurer), cancelled."""

    key = pw.CharField(max_length=80, unique=True)
    issuer = pw.CharField(max_length=50)
    card = pw.ForeignKeyField(Card)
    amount = pw.BigIntegerField()
    outlet = pw.ForeignKeyField(Outlet)
    terminal = pw.ForeignKeyField(Terminal, null=True)
    status = pw.CharField(max_length=12, default=DeductionStatus.PENDING)
    reference = pw.CharField(max_length=40, default="")
    operation = pw.ForeignKeyField(Operation, null=True)
    created_at = pw.DateTimeField(default=utc_now)
    settled_at = pw.DateTimeField(null=True)


ALL_MODELS = [Meta, Outlet, Terminal, Role, RolePermission, Operator, OperatorLoginChange,
              Member, MemberChange, Customer, CardProduct, OutletProduct, Promotion, Card, Account, Shift, Operation,
              JournalEntry, Receipt, DayClose, MonthClose, AuditHead, AuditChain, AuditEvent, BatchList,
              BatchLine, InsuranceTransfer, LegacyCard, VerificationCode, Reconciliation,
              Policy, Tender, StockMove, StockMoveCard, ChannelOrder, InsurerFile,
              InsurerFileLine, PosTerminal, PosRequest, Cheque, PrepaidSale,
              AllocationTemplate, AllocationTemplateLine, CardChange, InternalSettlement,
              InternalSettledUse, VoucherTemplate, ChannelSettlement, ChannelSettlementOrder,
              ChannelCoupon, InsurerLink, InsurerDeduction]
