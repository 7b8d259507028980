"""Command groups of `kiosk`, one module each, registered at the end of kiosk/cli.py."""
