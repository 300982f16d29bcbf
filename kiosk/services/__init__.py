"""Services of the core: they own I/O (storage, devices, network) and feed the pure flow."""
