"""Idle timeouts as a pure function of the clock: no timers inside the flow."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IdlePhase(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"  # a countdown is on screen
    EXPIRED = "expired"  # deliver IdleTimeout


@dataclass(frozen=True)
class IdlePolicy:
    timeout_s: float  # idle time before the warning appears
    warning_s: float  # length of the countdown

    def phase(self, idle_s: float) -> tuple[IdlePhase, float]:
        """Phase for ``idle_s`` seconds without a touch, and the seconds left before parking."""
        left = self.timeout_s + self.warning_s - idle_s
        if left <= 0:
            return IdlePhase.EXPIRED, 0.0
        if idle_s >= self.timeout_s:
            return IdlePhase.WARNING, left
        return IdlePhase.ACTIVE, left


def idle_phase(policy: IdlePolicy, last_activity: float, now: float) -> tuple[IdlePhase, float]:
    return policy.phase(max(0.0, now - last_activity))
