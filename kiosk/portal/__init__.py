"""The doctor portal: the signaling server of docs/signaling.md, the waiting room, the doctors' and
cabins' accounts, and the doctor console's static files.

``kiosk.portal.server`` needs aiohttp; the store, the passwords and the waiting room do not.
"""
