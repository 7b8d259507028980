"""Placeholder; the App is built in kiosk/app.py proper."""
