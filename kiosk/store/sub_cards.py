"""A main card's sub cards (副卡) as the services read them, and its allocation templates
moved under a sub card that becomes the main card (副卡升级); counting and moving the
sub cards themselves is store/cards.py's."""

from __future__ import annotations

from kiosk.store import models


def of_main(main_id: int) -> list[models.Card]:
    C = models.Card
    return list(C.select().where(C.main_card == main_id).order_by(C.number))


def move_templates(old_main_id: int, new_main_id: int) -> None:
    """Templates of the old main card now allocate from the new one (which gets nothing
    from them itself any more)."""
    T, L = models.AllocationTemplate, models.AllocationTemplateLine
    template_ids = [row.id for row in T.select(T.id).where(T.main_card == old_main_id)]
    if not template_ids:
        return
    T.update(main_card=new_main_id).where(T.id.in_(template_ids)).execute()
    L.delete().where(L.template.in_(template_ids), L.card == new_main_id).execute()
