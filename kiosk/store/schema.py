"""Schema creation and forward migrations. `kiosk init` runs them; twice is harmless."""

from __future__ import annotations

from collections.abc import Callable

import peewee as pw

from kiosk.store import models, settings, sql
from kiosk.store import peewee_internals as internals
from kiosk.store.db import current_database, database

SCHEMA_VERSION_KEY = "schema_version"


def _create_tables(db: pw.Database) -> None:
    db.create_tables(VERSION_1_MODELS, safe=True)
    models.AuditHead.get_or_create(id=1)


MEMBER_CENTRE_MODELS = (models.BatchList, models.BatchLine, models.InsuranceTransfer,
                        models.LegacyCard, models.VerificationCode)
POS_MODELS = (models.PosTerminal, models.PosRequest)
SET_UP_MODELS = (models.Policy, models.Tender, models.StockMove, models.StockMoveCard,
                 models.ChannelOrder, models.InsurerFile, models.InsurerFileLine)
FUEL_MODELS = (models.Cheque,)
PREPAID_MODELS = (models.PrepaidSale,)
TEMPLATE_MODELS = (models.AllocationTemplate, models.AllocationTemplateLine)
CARD_DETAIL_MODELS = (models.CardChange,)
INTERNAL_CARD_MODELS = (models.InternalSettlement, models.InternalSettledUse)
VOUCHER_MODELS = (models.VoucherTemplate,)
SETTLEMENT_MODELS = (models.ChannelSettlement, models.ChannelSettlementOrder,
                     models.ChannelCoupon)
ONLINE_INSURER_MODELS = (models.InsurerLink, models.InsurerDeduction)
# The customer table is in version 1 for a new store (its cards point at it from the
# start); migration 14 creates it in a store made before.
LATER_MODELS = (models.DayClose, models.MonthClose, models.MemberChange, *MEMBER_CENTRE_MODELS,
                models.Reconciliation, *SET_UP_MODELS, *POS_MODELS, *FUEL_MODELS,
                *PREPAID_MODELS, *TEMPLATE_MODELS, *CARD_DETAIL_MODELS,
                *INTERNAL_CARD_MODELS, *VOUCHER_MODELS, *SETTLEMENT_MODELS,
                *ONLINE_INSURER_MODELS)
CARD_FIELDS_V5 = ("allowed_categories", "forbidden_categories")
VERSION_1_MODELS = [m for m in models.ALL_MODELS if m not in LATER_MODELS]


def _closes(db: pw.Database) -> None:
    db.create_tables([models.DayClose, models.MonthClose], safe=True)


def _prefix_search_indexes(db: pw.Database) -> None:
    """PostgreSQL only uses a btree for LIKE 'abc%' with pattern ops (SQLite's GLOB
    prefix already uses the plain index; CockroachDB has no pattern ops and needs none)."""
    from playhouse.cockroachdb import CockroachDatabase
    if isinstance(db, pw.PostgresqlDatabase) and not isinstance(db, CockroachDatabase):
        for column in ("name", "phone"):
            db.execute_sql(f'CREATE INDEX IF NOT EXISTS member_{column}_prefix '
                           f'ON member ({column} text_pattern_ops)')


def _member_centre(db: pw.Database) -> None:
    """Card-level category limits, and the tables of batch lists, insurance transfers
    and the physical card migration."""
    from playhouse import migrate as pw_migrate
    migrator = pw_migrate.SchemaMigrator.from_database(db)
    present = {column.name for column in db.get_columns("card")}
    pw_migrate.migrate(*[
        migrator.add_column("card", name, pw.CharField(max_length=300, default=""))
        for name in CARD_FIELDS_V5 if name not in present])
    db.create_tables(MEMBER_CENTRE_MODELS, safe=True)


_V7_COLUMNS = (
    ("operation", "reversed_amount", "BIGINT NOT NULL DEFAULT 0"),
    ("operator", "review_failures", "INTEGER NOT NULL DEFAULT 0"),
    ("operator", "login_checks", "INTEGER NOT NULL DEFAULT 0"),
    ("operator", "review_checks", "INTEGER NOT NULL DEFAULT 0"),
    ("card", "pin_checks", "INTEGER NOT NULL DEFAULT 0"),
    ("verification_code", "checks", "INTEGER NOT NULL DEFAULT 0"),
    ("day_close", "anchors", "TEXT NOT NULL DEFAULT '{}'"),
    ("audit_event", "business_date", "DATE"),
    ("audit_event", "chain_id", 'INTEGER REFERENCES "audit_chain" ("id")'),
)


def _money_core(db: pw.Database) -> None:
    """Per-terminal keyed audit chains, the one "still reversible" amount of every
    operation, try counters that claim a check before the hash, and the review
    prompt's own counter. The events of the old single chain are moved into a keyed
    chain by `kiosk init`, which holds the key (services/audit.py: adopt_unkeyed_events)."""
    db.create_tables([models.AuditChain], safe=True)
    _add_columns(db, _V7_COLUMNS)
    for index in db.get_indexes("audit_event"):
        if index.unique and index.columns == ["seq"]:
            db.execute_sql(f'DROP INDEX "{index.name}"')
    models.AuditEvent._schema.create_indexes(safe=True)
    db.execute_sql(_REVERSED_SO_FAR)


# What refunds and reversals took, plus the insurance transfers filed and not rejected.
_REVERSED_SO_FAR = """
UPDATE "operation" SET "reversed_amount" =
  (SELECT COALESCE(SUM(r."amount"), 0) FROM "operation" AS r
    WHERE r."reverses_id" = "operation"."id" AND r."kind" IN ('refund', 'recharge_reversal'))
  + (SELECT COALESCE(SUM(t."amount"), 0) FROM "insurance_transfer" AS t
    WHERE t."charge_id" = "operation"."id" AND t."status" <> 'rejected')
WHERE "kind" IN ('charge', 'recharge')"""


_V8_COLUMNS = (
    ("outlet", "head_office", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("role", "opens_cash_shift", "BOOLEAN NOT NULL DEFAULT TRUE"),
    ("card_product", "initial_pin", "VARCHAR(12) NOT NULL DEFAULT 'typed'"),
)
DEFAULT_TENDERS = (("cash", "现金", "outlet_cash"), ("bank", "银行卡", "outlet_bank"))
ROLES_WITHOUT_CASH_SHIFT = ("finance", "admin")


def _chain_set_up(db: pw.Database) -> None:
    """What a chain sets up without the demo: its rules, tender types, card stock moves,
    channel orders and insurers' files; whether a role's login opens a cash shift."""
    db.create_tables(SET_UP_MODELS, safe=True)
    _add_columns(db, _V8_COLUMNS)
    for code, name, account_kind in DEFAULT_TENDERS:
        models.Tender.insert(code=code, name=name, account_kind=account_kind).on_conflict_ignore(
        ).execute()
    models.Role.update(opens_cash_shift=False).where(
        models.Role.name.in_(ROLES_WITHOUT_CASH_SHIFT)).execute()


def _fuel_cards(db: pw.Database) -> None:
    """The fuel-card manual's cheques (支票): received, cleared or bounced."""
    db.create_tables(FUEL_MODELS, safe=True)


_V12_COLUMNS = (
    ("card_product", "prepaid", "BOOLEAN NOT NULL DEFAULT TRUE"),
)


def _prepaid_cards(db: pw.Database) -> None:
    """单用途商业预付卡: which products are prepaid cards the chain sells (all but the
    insurers' cards), and the purchases the rules make us record."""
    _add_columns(db, _V12_COLUMNS)
    models.CardProduct.update(prepaid=False).where(
        models.CardProduct.kind == "insurance").execute()
    db.create_tables(PREPAID_MODELS, safe=True)


_V20_COLUMNS = (
    ("card_product", "revenue", "BOOLEAN NOT NULL DEFAULT TRUE"),
)


def _product_revenue(db: pw.Database) -> None:
    """Whether a product's sales count as revenue, set per product: as before, every kind
    but the insurers' cards (whose sales are the issuer's receivable)."""
    _add_columns(db, _V20_COLUMNS)
    models.CardProduct.update(revenue=False).where(
        models.CardProduct.kind == "insurance").execute()


def _add_columns(db: pw.Database, columns) -> None:
    """Each as NOT NULL DEFAULT in one ALTER: SQLite then needs no table rebuild (a
    rebuild of a table others point at fails with foreign keys on)."""
    for table, column, definition in columns:
        if column not in {existing.name for existing in db.get_columns(table)}:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {definition}')


_V10_COLUMNS = (
    ("legacy_card", "points", "BIGINT NOT NULL DEFAULT 0"),
)


def _member_points(db: pw.Database) -> None:
    """An old card's points come with its balance (实体卡迁移)."""
    _add_columns(db, _V10_COLUMNS)


_V13_COLUMNS = (
    ("journal_entry", "outlet_id", 'INTEGER REFERENCES "outlet" ("id")'),
    ("receipt", "outlet_id", 'INTEGER REFERENCES "outlet" ("id")'),
)


def _outlet_keys(db: pw.Database) -> None:
    """Every hot table carries its outlet (operation, account, card already did): the
    distribution key is in place should the store outgrow one server (docs/scaling.md)."""
    _add_columns(db, _V13_COLUMNS)
    db.execute_sql('UPDATE "journal_entry" SET "outlet_id" = (SELECT o."outlet_id" FROM '
                   '"operation" AS o WHERE o."id" = "journal_entry"."operation_id") '
                   'WHERE "outlet_id" IS NULL')
    db.execute_sql('UPDATE "receipt" SET "outlet_id" = (SELECT t."outlet_id" FROM '
                   '"terminal" AS t WHERE t."id" = "receipt"."terminal_id") '
                   'WHERE "outlet_id" IS NULL')


_V14_COLUMNS = (
    ("card", "customer_id", 'INTEGER REFERENCES "customer" ("id")'),
)


def _customers(db: pw.Database) -> None:
    """The fuel-card manual's customers (客户): their accounts' credit and invoice
    details, the cards that are theirs, and their allocation templates (分配模板)."""
    db.create_tables([models.Customer], safe=True)
    _add_columns(db, _V14_COLUMNS)
    db.create_tables(TEMPLATE_MODELS, safe=True)


_V15_COLUMNS = (
    ("card", "plate_number", "VARCHAR(12) NOT NULL DEFAULT ''"),
    ("card", "remark", "VARCHAR(200) NOT NULL DEFAULT ''"),
)


def _card_details(db: pw.Database) -> None:
    """A card's own details (卡资料: the vehicle's plate, a remark) and their history."""
    _add_columns(db, _V15_COLUMNS)
    db.create_tables(CARD_DETAIL_MODELS, safe=True)


_V21_COLUMNS = (
    ("insurance_transfer", "told_at", "TIMESTAMP"),
)


def _online_insurers(db: pw.Database) -> None:
    """Insurers that keep their cards' balances and deduct online, the deductions asked
    of them, and when a member was texted that an insurance transfer arrived."""
    db.create_tables(ONLINE_INSURER_MODELS, safe=True)
    _add_columns(db, _V21_COLUMNS)


_V22_COLUMNS = (
    ("outlet", "business_format", "VARCHAR(20) NOT NULL DEFAULT ''"),
)


def _business_formats(db: pw.Database) -> None:
    """An outlet's business format (业态): the store ledger is read by it (灵玑云)."""
    _add_columns(db, _V22_COLUMNS)


_V23_COLUMNS = (
    ("outlet", "bank_account", "VARCHAR(80) NOT NULL DEFAULT ''"),
)


def _outlet_bank_accounts(db: pw.Database) -> None:
    """The bank account a channel pays an outlet's settlements into, on the outlet."""
    _add_columns(db, _V23_COLUMNS)


# Append only: a migration, once released, is never edited.
MIGRATIONS: list[tuple[int, Callable[[pw.Database], None]]] = [
    (1, _create_tables),
    (2, _prefix_search_indexes),
    (3, _closes),
    (4, lambda db: db.create_tables([models.MemberChange], safe=True)),
    (5, _member_centre),
    (6, lambda db: db.create_tables([models.Reconciliation], safe=True)),
    (7, _money_core),
    (8, _chain_set_up),
    # The store POS's payment endpoint: its registered POS and their requests.
    (9, lambda db: db.create_tables(POS_MODELS, safe=True)),
    (10, _member_points),
    (11, _fuel_cards),
    (12, _prepaid_cards),
    (13, _outlet_keys),
    (14, _customers),
    (15, _card_details),
    # Internal cards (内部卡): their settlements and the uses each counted.
    (16, lambda db: db.create_tables(INTERNAL_CARD_MODELS, safe=True)),
    # The chain's voucher print templates (凭证打印模板).
    (17, lambda db: db.create_tables(VOUCHER_MODELS, safe=True)),
    # A customer's cards are looked up by it: migration 14 added the column without the
    # index a new store's foreign key has (the same name: no second index there).
    (18, lambda db: db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "card_customer_id" ON "card" ("customer_id")')),
    # Channel settlements (结算): the orders in each, and the coupons that paid them.
    (19, lambda db: db.create_tables(SETTLEMENT_MODELS, safe=True)),
    (20, _product_revenue),
    (21, _online_insurers),
    (22, _business_formats),
    (23, _outlet_bank_accounts),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version() -> int:
    if not database.table_exists(internals.table_name(models.Meta)):
        return 0
    value = settings.fact(SCHEMA_VERSION_KEY)
    return int(value) if value else 0


def migrate() -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    before = current_version()
    for version, step in MIGRATIONS:
        if version <= before:
            continue
        with database.atomic():
            step(current_database())
            settings.set_fact(SCHEMA_VERSION_KEY, str(version))
    return before, current_version()


_META_ROW = sql.Statement('SELECT "value" FROM "meta" WHERE "key" = ?', lock=sql.FOR_UPDATE)


def hold_meta_row() -> None:
    """A row lock that orders store-wide changes (a first run) on PostgreSQL; on SQLite
    the write transaction already does."""
    _META_ROW.first(SCHEMA_VERSION_KEY)
