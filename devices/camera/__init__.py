"""Cameras: the otoscope and the room camera, through OpenCV (V4L2), or synthetic stand-ins.

``Camera(source, role=...)`` runs one capture thread that keeps the newest ``Frame``;
``snapshot()`` gives a ``Still`` (the sharpest of the next few frames); ``self_test()`` checks the
size, the rate and that the picture is neither black nor frozen. Synthetic sources stamp a frame
counter into each frame, which ``decode_counter`` reads back (also after JPEG or VP8).
"""

from devices.camera.capture import Camera, Frame, Still
from devices.camera.sharpness import laplacian_variance
from devices.camera.synthetic import KINDS as SYNTHETIC_KINDS
from devices.camera.synthetic import decode_counter, make_source, stamp_counter

__all__ = [
    "SYNTHETIC_KINDS",
    "Camera",
    "Frame",
    "Still",
    "decode_counter",
    "laplacian_variance",
    "make_source",
    "stamp_counter",
]
