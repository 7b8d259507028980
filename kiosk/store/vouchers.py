"""The chain's voucher print templates (凭证打印模板), one per kind of voucher."""

from __future__ import annotations

from kiosk.store import models

Template = models.VoucherTemplate


def body_of(kind: str) -> str | None:
    """The chain's template of `kind`, or None (the default prints)."""
    row = Template.get_or_none(Template.kind == kind)
    return row.body if row is not None else None


def put(kind: str, body: str, operator_id: int | None, at) -> None:
    Template.insert(kind=kind, body=body, updated_by=operator_id, updated_at=at).on_conflict(
        conflict_target=[Template.kind],
        update={Template.body: body, Template.updated_by: operator_id,
                Template.updated_at: at}).execute()


def remove(kind: str) -> bool:
    return Template.delete().where(Template.kind == kind).execute() == 1


def kinds_kept() -> set[str]:
    return {row.kind for row in Template.select(Template.kind)}
