"""How sharp an image is: the variance of its Laplacian (cheap, and enough to rank frames)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt


def laplacian_variance(image: npt.NDArray[np.uint8]) -> float:
    """Sharpness score of a BGR or grey image: higher is sharper.

    Only meaningful to compare frames of the same scene and size (a still against its neighbours).
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    laplacian = cv2.Laplacian(grey, cv2.CV_32F)
    _mean, stddev = cv2.meanStdDev(laplacian)
    return float(stddev[0, 0]) ** 2
