"""Blood-pressure cuff: the SunTech Advantage OEM NIBP module (codec in ``protocol``)."""

from devices.bp.suntech import SuntechDriver

__all__ = ["SuntechDriver"]
