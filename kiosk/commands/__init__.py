"""Command groups of the `kiosk` command, one module per area (registered in kiosk/cli.py)."""
