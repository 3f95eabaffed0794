"""How long an A/B test runs: days until each arm reaches its sample size at its share of traffic."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from axtui.errors import InputError


@dataclass(frozen=True)
class TrafficPlan:
    """How an A/B test's traffic is split and ramped; the ``ab_duration`` compute lists these fields.

    Shares are fractions in (0, 1] or percentages in (0, 100] (any share above 1 means percent);
    the control share defaults to the rest of the traffic. ``start_date`` (ISO) dates the plan.
    """

    treatment_share: float = 0.5
    control_share: float | None = None
    ramp_days: int = 0
    start_date: str | None = None


def ab_test_duration(per_variant: float, daily_traffic: float, plan: TrafficPlan) -> dict[str, Any]:
    """Days of full traffic until both arms hold ``per_variant`` users, after ``ramp_days`` of ramp-up.

    Ramp-up days (burn-in, early signal) are not counted toward the sample: the full-traffic phase
    starts after them and lasts ``days``.
    """
    treatment, control = plan.treatment_share, plan.control_share
    ramp_days, start_date = plan.ramp_days, plan.start_date
    if control is None:
        control = 1 - treatment if treatment <= 1 else 100 - treatment
    if treatment > 1 or control > 1:  # percentages
        treatment, control = treatment / 100, control / 100
    if daily_traffic <= 0 or not 0 < treatment <= 1 or not 0 < control <= 1:
        raise InputError(
            "daily_traffic must be > 0 and the traffic shares in (0, 1] (or (0, 100] percent)",
            where="ab_duration",
        )
    if ramp_days < 0:
        raise InputError("ramp_days must be 0 or more", where="ab_duration: ramp_days")
    days = math.ceil(max(per_variant / (daily_traffic * treatment), per_variant / (daily_traffic * control)))
    out: dict[str, Any] = {
        "days": days,
        "weeks": round(days / 7, 1),
        "per_variant": int(per_variant),
        "daily_control": daily_traffic * control,
        "daily_treatment": daily_traffic * treatment,
        "ramp_days": ramp_days,
        "full_test_first_day": ramp_days + 1,
        "full_test_last_day": ramp_days + days,
        "total_days": ramp_days + days,
    }
    if start_date:
        try:
            first = dt.date.fromisoformat(str(start_date)[:10])
        except ValueError as exc:
            raise InputError(
                f"start_date must be YYYY-MM-DD, got {start_date!r}", where="ab_duration: start_date"
            ) from exc
        out["start_date"] = first.isoformat()
        out["end_date"] = (first + dt.timedelta(days=ramp_days + days)).isoformat()
    return out
