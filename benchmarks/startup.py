"""`python -m benchmarks.startup kiosk|bare`: start, show the first screen headless, exit.
`kiosk bench` times this process from its start to its exit."""

from __future__ import annotations

import asyncio
import sys


async def _show(app) -> None:
    async with app.run_test(size=(80, 24)):
        pass


def main(kind: str) -> None:
    if kind == "bare":
        from textual.app import App
        from textual.widgets import Label

        class Bare(App):
            def compose(self):
                yield Label("ready")
        app = Bare()
    else:
        from kiosk.app import build_app
        from kiosk.config import load_settings
        from kiosk.hw.devices import Devices
        from kiosk.services.bootstrap import open_runtime
        app = build_app(open_runtime(load_settings()), Devices())
    asyncio.run(_show(app))


if __name__ == "__main__":
    main(sys.argv[1])
