"""Receipt bytes, layout, the print queue and reprints."""

import pytest

from kiosk.hw.printer import PrinterOffline, SimPrinter
from kiosk.i18n import translator
from kiosk.cells import cell_width as display_width
from kiosk.hw.receipt import ReceiptDoc, render_bytes, render_lines
from kiosk.services import charge as charging, receipts
from kiosk.store import models
from tests.conftest import INS_CARD, SV_CARD

DOC = ReceiptDoc(header=("康宁大药房",), title="消费 CHARGE",
                 rows=(("卡号", "888800******0018"), ("金额", "￥12.30"), ("：", "：")),
                 receipt_no="T01-000001", signature_label="持卡人签名")


@pytest.mark.parametrize("columns", [32, 48])
def test_lines_fit_the_paper(columns):
    for line in render_lines(DOC, columns):
        assert display_width(line) <= columns


def test_bytes_are_gb18030_with_init_qr_and_cut():
    data = render_bytes(DOC, 32, "gb18030")
    assert data.startswith(b"\x1b@")
    assert "持卡人签名".encode("gb18030") in data and "￥12.30".encode("gb18030") in data
    assert b"\x1d(k" in data and data.endswith(b"\x1dV\x00")


def test_every_printout_uses_the_full_width_yuan_sign_gbk_printers_have():
    report = ReceiptDoc(header=("康宁大药房",), title="交班 ¥", rows=(("现金", "¥250.00"),),
                        receipt_no="shift-1", footer=("合计 ¥250.00",))
    data = render_bytes(report, 32, "gbk")
    assert "¥".encode("gb18030") not in data and b"?" not in data
    assert data.count("￥".encode("gbk")) == 3
    assert all(display_width(line) <= 32 for line in render_lines(report, 32))


def test_utf8_printers_get_utf8():
    assert "持卡人签名".encode("utf-8") in render_bytes(DOC, 48, "utf-8")


def test_charge_queues_a_receipt_that_prints_once(cashier, tmp_path):
    sale = charging.charge(cashier, card_number=SV_CARD, amount=1230, pin="123456", key="k")
    printer = SimPrinter(tmp_path / "r", offline=True)
    offline = receipts.print_pending(cashier, printer)
    assert offline.printed == 0 and offline.problem is not None  # waits, not lost
    assert models.Receipt.get_by_id(sale.receipt_id).status == "queued"
    [queued] = receipts.queue_listing(cashier)
    assert "{" not in queued.last_error.render()  # its values filled in, for the queue
    printer.offline = False
    assert receipts.print_pending(cashier, printer) == receipts.PrintOutcome(1)
    assert receipts.print_pending(cashier, printer) == receipts.PrintOutcome(0)
    text = (tmp_path / "r" / "T01-000001.txt").read_text()
    assert "￥12.30" in text and "888800******0018" in text  # receipts use the GBK ￥


def test_money_in_receipts_name_the_tender_and_promotion_and_refunds_the_authoriser(
        seeded, cashier, tmp_path):
    from kiosk.services import recharge
    from kiosk.services.charge import Review
    from tests.conftest import login_as
    clerk = login_as(seeded, "clerk1", "T02")
    recharge.recharge(clerk, card_number=SV_CARD, amount=50000, tender="cash", key="r1")
    sale = charging.charge(cashier, card_number=SV_CARD, amount=1000, pin="123456", key="s1")
    charging.refund(cashier, original_operation_id=sale.operation_id, amount=400, key="f1",
                    review=Review("super1", "Super1234"))
    receipts.print_pending(clerk, SimPrinter(tmp_path))
    receipts.print_pending(cashier, SimPrinter(tmp_path))
    recharged = (tmp_path / "T02-000001.txt").read_text()
    assert "Paid by" in recharged and "现金" in recharged and "充500送50" in recharged
    refunded = (tmp_path / "T01-000002.txt").read_text()
    assert "Authorised by" in refunded and "super1" in refunded


def test_insurance_receipt_has_the_signature_line(cashier, tmp_path):
    sale = charging.charge(cashier, card_number=INS_CARD, amount=500, pin="123456", key="k")
    assert sale.receipt_id is not None
    assert receipts.print_pending(cashier, SimPrinter(tmp_path)) == receipts.PrintOutcome(1)
    assert "Cardholder signature" in (tmp_path / "T01-000001.txt").read_text()


def test_a_receipt_queued_with_its_bytes_prints_them(cashier, tmp_path):
    """Receipts queued before they were laid out at print time kept their bytes."""
    sale = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    models.Receipt.update(body=b"\x1b@OLD BYTES", text="OLD TEXT\n").where(
        models.Receipt.id == sale.receipt_id).execute()
    assert receipts.print_pending(cashier, SimPrinter(tmp_path)) == receipts.PrintOutcome(1)
    assert (tmp_path / "T01-000001.txt").read_text() == "OLD TEXT\n"


def test_reprint_is_marked_copy_and_recorded(cashier, tmp_path):
    sale = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    printer = SimPrinter(tmp_path)
    receipts.reprint(cashier, sale.receipt_id, printer)
    assert "重打印 / COPY" in (tmp_path / "T01-000001-copy0.txt").read_text()
    assert models.Receipt.get_by_id(sale.receipt_id).copies_printed == 1
    assert models.AuditEvent.select().where(models.AuditEvent.action == "receipt.reprint").count() == 1


def test_sim_printer_offline_raises_clearly(tmp_path):
    from kiosk.hw.printer import PrintJob
    with pytest.raises(PrinterOffline, match="offline or out of paper") as refused:
        SimPrinter(tmp_path, offline=True).print_job(PrintJob("x", b"", ""))
    assert "queue" not in str(refused.value)  # the device cannot know: a copy is not queued


def test_file_printer_through_python_escpos(tmp_path):
    from kiosk.config import DeviceConfig
    from kiosk.hw.printer import PrintJob, make_printer
    target = tmp_path / "lp0"
    printer = make_printer(DeviceConfig("file", {"path": str(target)}), tmp_path)
    data = render_bytes(DOC)
    printer.print_job(PrintJob("T01-000001", data, ""))
    assert target.read_bytes() == data


def test_file_printer_missing_device_keeps_the_receipt_queued(tmp_path):
    from kiosk.config import DeviceConfig
    from kiosk.hw.printer import PrintJob, make_printer
    printer = make_printer(DeviceConfig("file", {"path": "/nonexistent/dir/lp0"}), tmp_path)
    with pytest.raises(PrinterOffline, match="not found: is it plugged in") as refused:
        printer.print_job(PrintJob("x", b"abc", ""))
    assert "Error" not in str(refused.value)  # no library class name on a screen
    assert "没有找到" in refused.value.render(translator("zh_CN"))
    assert printer.probe().startswith("error")


def test_exact_bytes_of_a_58mm_gb18030_receipt():
    doc = ReceiptDoc(header=("药房",), title="消费", rows=(("金额", "￥1.00"), ("：", "：")),
                     receipt_no="T01-000001")
    rule = b"-" * 32 + b"\n"
    expected = (
        b"\x1b@"                                   # ESC @: initialise
        + b"\x1c&"                                 # FS &: Chinese character mode
        + b" " * 14 + "药房".encode("gb18030") + b"\n"   # centred: (32 - 4) // 2
        + rule + b" " * 14 + "消费".encode("gb18030") + b"\n" + rule
        + "金额".encode("gb18030") + b" " * 22 + b"\xa3\xa41.00\n"  # ￥ is A3A4, 2 columns
        + b"\xa3\xba" + b" " * 28 + b"\xa3\xba\n"  # a line of symbols only: ：
        + rule
        + b"\x1ba\x01"                             # centre
        + b"\x1d(k\x04\x001A2\x00"                 # QR model 2
        + b"\x1d(k\x03\x001C\x03"                  # module size 3
        + b"\x1d(k\x03\x001E0"                     # error correction L
        + b"\x1d(k\r\x001P0T01-000001"             # store the data
        + b"\x1d(k\x03\x001Q0"                     # print it
        + b"T01-000001\n"
        + b"\x1ba\x00"                             # left again
        + b"\x1bd\x06\x1dV\x00")                   # feed 6 lines, full cut
    assert render_bytes(doc, 32, "gb18030") == expected
