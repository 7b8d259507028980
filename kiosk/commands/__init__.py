"""Groups of `kiosk` subcommands, one module per area, registered at the end of kiosk/cli.py."""
