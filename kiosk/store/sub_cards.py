"""A main card's sub cards (副卡) as the services read and change them: how many are in
use, the list, sub cards issued together, and the group moved under a sub card that
becomes the main card (副卡升级)."""

from __future__ import annotations

from kiosk.store import models

IN_USE = ("active", "lost", "frozen")


def count_in_use(main_id: int) -> int:
    """The sub cards that count against the product's limit (active ones, as card issue
    has always counted them)."""
    C = models.Card
    return C.select().where(C.main_card == main_id, C.status == "active").count()


def of_main(main_id: int) -> list[models.Card]:
    C = models.Card
    return list(C.select().where(C.main_card == main_id).order_by(C.number))


def activate(card_id: int, fields: dict) -> bool:
    """A written card made active with `fields`; False if it was not written (any more)."""
    C = models.Card
    return C.update(status="active", **fields).where(C.id == card_id,
                                                      C.status == "written").execute() == 1


def make_main(card_id: int) -> None:
    models.Card.update(main_card=None).where(models.Card.id == card_id).execute()


def move_group(old_main_id: int, new_main_id: int) -> int:
    """Every sub card of the old main card now under the new one; how many moved."""
    C = models.Card
    return C.update(main_card=new_main_id).where(C.main_card == old_main_id).execute()


def move_templates(old_main_id: int, new_main_id: int) -> None:
    """Templates of the old main card now allocate from the new one (which gets nothing
    from them itself any more)."""
    T, L = models.AllocationTemplate, models.AllocationTemplateLine
    template_ids = [row.id for row in T.select(T.id).where(T.main_card == old_main_id)]
    if not template_ids:
        return
    T.update(main_card=new_main_id).where(T.id.in_(template_ids)).execute()
    L.delete().where(L.template.in_(template_ids), L.card == new_main_id).execute()
