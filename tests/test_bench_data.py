"""The bench's generated data set stays a sound ledger as it grows around real charges."""

from benchmarks import dataset, figures
from benchmarks.stores import cashier_session
from kiosk.services.verify import verify


def test_growth_keeps_the_ledger_sound(runtime):
    data = dataset.create_base(runtime)
    session = cashier_session(runtime, data)
    dataset.grow_members(data, 300)
    dataset.grow_history(data, 200)
    funded = figures.fund_cards(session, 20)
    figures.charge_latencies(session, funded, 20, "a")
    dataset.grow_members(data, 600)
    dataset.grow_history(data, 2000)  # touches funded cards again
    figures.charge_latencies(session, funded, 20, "b")
    assert verify(runtime.sealer).ok, verify(runtime.sealer).violations
