"""One screen per session state (plus sign-in and home in IDLE)."""
