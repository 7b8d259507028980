"""Card products (卡产品), the outlets that opened them, and their recharge promotions."""

from __future__ import annotations

import datetime as dt

from kiosk.store import models

Product, OutletProduct, Promotion = models.CardProduct, models.OutletProduct, models.Promotion


def product_by_code(code: str) -> models.CardProduct | None:
    return Product.get_or_none(Product.code == code)


def add_product(**values) -> models.CardProduct:
    """A new product; unless said otherwise, its sales are revenue as its kind's are."""
    values.setdefault("revenue", models.revenue_by_default(values["kind"]))
    return Product.create(**values)


def change_product(product_id: int, **values) -> None:
    Product.update(values).where(Product.id == product_id).execute()


def products_opened_at(outlet_id: int) -> list[models.CardProduct]:
    """The active products an outlet has opened, by code."""
    return list(Product.select().join(OutletProduct)
                .where(OutletProduct.outlet == outlet_id, Product.active == True)  # noqa: E712
                .order_by(Product.code))


def open_product(outlet_id: int, product_id: int) -> None:
    OutletProduct.get_or_create(outlet=outlet_id, product=product_id)


def close_product(outlet_id: int, product_id: int) -> None:
    OutletProduct.delete().where(OutletProduct.outlet == outlet_id,
                                 OutletProduct.product == product_id).execute()


# -- promotions ------------------------------------------------------------------------
def add_promotion(**values) -> models.Promotion:
    return Promotion.create(**values)


def best_promotion(product_id: int, amount: int, day: dt.date) -> models.Promotion | None:
    """The running promotion of the product that gives the most for `amount`."""
    return (Promotion.select()
            .where(Promotion.product == product_id, Promotion.min_amount <= amount,
                   Promotion.starts_on <= day, Promotion.ends_on >= day)
            .order_by(Promotion.bonus.desc()).first())


def running_promotions(product_id: int, day: dt.date) -> list[models.Promotion]:
    """The product's promotions running on `day`, smallest threshold first."""
    return list(Promotion.select().where(
        Promotion.product == product_id, Promotion.starts_on <= day,
        Promotion.ends_on >= day).order_by(Promotion.min_amount))
