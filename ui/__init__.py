"""PySide6 touchscreen of the kiosk: thin views over the core, one crossing (``ui.bridge``)."""
