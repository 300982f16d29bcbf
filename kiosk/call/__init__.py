"""The cabin's side of the call: signaling client, aiortc peer, media and the data channel.

Import ``kiosk.call.state`` for the plain view of a call (no aiortc); ``kiosk.call.service`` for the
service that runs it.
"""
