"""The model lifecycle over the ``ml-model-registry`` and ``ml-model-events`` namespaces.

The registry seed writes version records and an index with templated tool
steps; nothing kept them consistent, and any status could follow any other.
This module is the one place that changes a model's lifecycle: every operation
checks the legal-transition table and every precondition *before* it writes, then
updates the version records, the ``{{model_name}}/index`` entry and the event
log together, so the index always agrees with the versions it lists.

Keys and values follow the seed exactly:

* ``ml-model-registry`` / ``{model}/versions/{version}`` — the version record
  (lineage, artifact, schemas, metrics, dependencies, ``status``), permanent;
* ``ml-model-registry`` / ``{model}/index`` — ``latest_version``,
  ``production_version``, ``all_versions``, ``updated_at``, permanent;
* ``ml-model-events`` / ``{model}/promotions/{timestamp}`` (and ``/rollbacks/``,
  ``/decisions/``) — one event per lifecycle change, kept for a year.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from axtui.core.clock import iso
from axtui.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from axtui.core.memory import Memory
    from axtui.core.store import Store

REGISTRY_NS = "ml-model-registry"
EVENTS_NS = "ml-model-events"
EVENT_TTL = 31_536_000  # 1 year, as the seed's store-promotion-event step
CANARY_PERCENT = 10  # the seed's set-canary-status step

STATES = ("staged", "canary", "production", "archived", "deprecated")
# Legal lifecycle transitions. ``archived -> production`` is a rollback and is
# further restricted to versions that were in production before.
TRANSITIONS: dict[str, frozenset[str]] = {
    "staged": frozenset({"canary", "production", "archived", "deprecated"}),
    "canary": frozenset({"production", "staged", "archived", "deprecated"}),
    "production": frozenset({"archived", "deprecated"}),
    "archived": frozenset({"production", "deprecated"}),
    "deprecated": frozenset(),
}
DECISIONS = ("promote", "canary", "hold", "reject")


def check_transition(current: str, target: str, *, where: str = "") -> None:
    """Refuse a lifecycle change the table does not allow (InputError names both states)."""
    for state in (current, target):
        if state not in STATES:
            raise InputError(
                f"unknown lifecycle state {state!r}",
                where=where or None,
                hint="states are " + " | ".join(STATES),
            )
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (terminal state)"
        raise InputError(
            f"illegal lifecycle transition {current} -> {target}",
            where=where or None,
            hint=f"from {current} a version may move to: {allowed}",
        )


def version_key(model_name: str, version: str) -> str:
    return f"{model_name}/versions/{version}"


def index_key(model_name: str) -> str:
    return f"{model_name}/index"


def _version_sort_key(version: str) -> tuple:
    """Semantic-ish ordering: numeric parts compare as numbers, the rest as text."""
    parts: list[tuple[int, Any]] = []
    for piece in str(version).lstrip("vV").replace("-", ".").split("."):
        parts.append((0, int(piece)) if piece.isdigit() else (1, piece))
    return tuple(parts)


def sort_versions(versions: list[str]) -> list[str]:
    return sorted(dict.fromkeys(str(v) for v in versions), key=_version_sort_key)


def was_in_production(record: dict[str, Any]) -> bool:
    """A version served production if it was ever promoted (or restored by a rollback)."""
    return bool(record.get("was_production") or record.get("promoted_at"))


def _index_value(
    model_name: str, versions: list[str], production: str | None, canary: str | None
) -> dict[str, Any]:
    return {
        "model_name": model_name,
        "latest_version": versions[-1] if versions else None,
        "production_version": production,
        "canary_version": canary,
        "all_versions": versions,
    }


def _require_record(
    model_name: str, version: str, index: dict[str, Any] | None, record: dict[str, Any] | None
) -> str:
    """The version record's memory key (for error locations); NotFoundError, listing the index's
    versions, when there is no record: a plan is refused before anything is written."""
    where = f"{REGISTRY_NS}/{version_key(model_name, version)}"
    if record is None:
        known = ", ".join((index or {}).get("all_versions") or []) or "none"
        raise NotFoundError(
            f"model {model_name!r} has no version {version!r}",
            where=where,
            hint=f"registered versions: {known}",
        )
    return where


def plan_registration(
    model_name: str, version: str, index: dict[str, Any] | None, validation: dict[str, Any] | None
) -> dict[str, Any]:
    """What registering ``version`` does to the index, or an InputError before anything is written.

    Refused when the artifact validation failed (checksum mismatch, missing file,
    schema...) or the version is already registered.
    """
    where = f"{REGISTRY_NS}/{version_key(model_name, version)}"
    # INCOMPLETE: optional evidence (schema, framework version, metrics) not supplied; registered as
    # staged with those checks recorded, and never promoted on it (axtui.core.workflow.computes.registry).
    if validation is not None and validation.get("status") not in ("PASS", "INCOMPLETE"):
        failed = [c for c in validation.get("checks", []) if c.get("status") == "FAIL"]
        details = "; ".join(f"{c['name']}: {c['detail']}" for c in failed) or "validation failed"
        raise InputError(
            f"artifact validation failed, {model_name} {version} not registered: {details}",
            where=str(validation.get("artifact_path") or where),
            hint="fix the artifact (or the expected checksum) and register again",
        )
    index = index or {}
    known = [str(v) for v in index.get("all_versions") or []]
    if str(version) in known:
        raise InputError(
            f"{model_name} version {version} is already registered",
            where=where,
            hint="register the new artifact under a new version number",
        )
    versions = sort_versions([*known, str(version)])
    production = index.get("production_version")
    return {
        **_index_value(model_name, versions, production, index.get("canary_version")),
        "version": str(version),
        "version_list": versions,
        "old_production_version": production,
        "has_production": production is not None,
        "first_version": not known,
    }


def plan_decision(
    model_name: str, version: str, decision: str, index: dict[str, Any] | None, record: dict[str, Any] | None
) -> dict[str, Any]:
    """The writes a promotion decision implies, checked against the lifecycle table first.

    promote → the version becomes production and the old production version (if
    any) is archived as superseded; canary → 10% canary; hold → no state change;
    reject → deprecated.
    """
    where = _require_record(model_name, version, index, record)
    decision = str(decision or "").strip().lower()
    if decision not in DECISIONS:
        raise InputError(
            f"unknown promotion decision {decision!r}",
            where="promotion-decision",
            hint="use one of: " + ", ".join(DECISIONS),
        )
    index = index or {}
    versions = sort_versions([*(index.get("all_versions") or []), version])
    current = str(record.get("status") or "staged")
    production = index.get("production_version")
    canary = index.get("canary_version")
    old = production if production and production != version else None
    if decision == "promote":
        check_transition(current, "production", where=where)
        status, production, promotion_type = (
            "production",
            version,
            ("canary" if current == "canary" else "immediate"),
        )
        if canary == version:
            canary = None
    elif decision == "canary":
        check_transition(current, "canary", where=where)
        status, canary, promotion_type = "canary", version, "canary"
        old = None
    elif decision == "hold":
        if current not in ("staged", "canary"):
            raise InputError(
                f"cannot hold {model_name} {version}: it is {current}",
                where=where,
                hint="hold applies to staged or canary versions awaiting a decision",
            )
        status, promotion_type, old = current, "none", None
    else:
        if current == "production":
            raise InputError(
                f"cannot reject {model_name} {version}: it is in production",
                where=where,
                hint="roll back to another version first",
            )
        check_transition(current, "deprecated", where=where)
        status, promotion_type, old = "deprecated", "rejected", None
        if canary == version:
            canary = None
    return {
        "decision": decision,
        "version": version,
        "from_status": current,
        "status": status,
        "promotion_type": promotion_type,
        "old_production_version": old,
        "archive_old": old is not None,
        "from_version": index.get("production_version"),
        "event_type": {"promote": "promotion", "canary": "promotion", "hold": "hold", "reject": "rejection"}[
            decision
        ],
        "index_after": _index_value(model_name, versions, production, canary),
    }


def plan_rollback(
    model_name: str, target_version: str, index: dict[str, Any] | None, target_record: dict[str, Any] | None
) -> dict[str, Any]:
    """Restore a version that served production before; refused for any other."""
    where = _require_record(model_name, target_version, index, target_record)
    if not was_in_production(target_record):
        raise InputError(
            f"cannot roll back to {model_name} {target_version}: it was never in production",
            where=where,
            hint="roll back to a version that served production before, "
            "or promote this one through evaluation",
        )
    status = str(target_record.get("status") or "staged")
    if status == "production":
        raise InputError(
            f"{model_name} {target_version} is already the production version",
            where=where,
            hint="name the version to roll back to",
        )
    check_transition(status, "production", where=where)
    index = index or {}
    current = index.get("production_version")
    versions = sort_versions([*(index.get("all_versions") or []), target_version])
    canary = index.get("canary_version")
    return {
        "target_version": target_version,
        "from_version": current,
        "from_status": status,
        "archive_current": current is not None and current != target_version,
        "reason": f"Rolled back to {target_version}",
        "index_after": _index_value(
            model_name, versions, target_version, None if canary == target_version else canary
        ),
    }


@dataclass
class Change:
    """What one lifecycle operation did: the versions it wrote and the event it logged."""

    model_name: str
    action: str
    version: str
    status: str
    previous_production: str | None
    event_key: str | None
    index: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The fields as they are, in their order."""
        return asdict(self)


class ModelRegistry:
    """Register versions and move them through staged → canary → production → archived/deprecated.

    Every operation plans first (the ``plan_*`` functions, which the workflow's
    compute steps share) and writes only when the plan is legal.
    """

    def __init__(self, store: Store, *, memory: Memory | None = None) -> None:
        from axtui.core.memory import Memory  # the plan_* functions must import without a store

        self.store = store
        self.memory = memory or Memory(store)

    def _now(self) -> str:
        return iso(self.store.clock())

    # -- reading ---------------------------------------------------------------
    def record(self, model_name: str, version: str) -> dict[str, Any] | None:
        entry = self.memory.get(REGISTRY_NS, version_key(model_name, version))
        return dict(entry.value) if entry else None

    def get_version(self, model_name: str, version: str) -> dict[str, Any]:
        record = self.record(model_name, version)
        if record is None:
            known = self.versions(model_name)
            raise NotFoundError(
                f"model {model_name!r} has no version {version!r}",
                where=f"{REGISTRY_NS}/{version_key(model_name, version)}",
                hint=("registered versions: " + ", ".join(known))
                if known
                else f"register {model_name} {version} first",
            )
        return record

    def versions(self, model_name: str) -> list[str]:
        """Every registered version of a model, oldest first (from the version records)."""
        prefix = f"{model_name}/versions/"
        return sort_versions([e.key[len(prefix) :] for e in self.memory.list(REGISTRY_NS, prefix=prefix)])

    def index(self, model_name: str) -> dict[str, Any] | None:
        entry = self.memory.get(REGISTRY_NS, index_key(model_name))
        return dict(entry.value) if entry else None

    def production_version(self, model_name: str) -> str | None:
        found = [
            v
            for v in self.versions(model_name)
            if (self.record(model_name, v) or {}).get("status") == "production"
        ]
        return found[-1] if found else None

    def events(self, model_name: str) -> list[dict[str, Any]]:
        """The model's lifecycle events in the order they happened."""
        entries = self.memory.list(EVENTS_NS, prefix=f"{model_name}/")
        values = [dict(e.value, key=e.key) for e in entries]
        return sorted(values, key=lambda v: (str(v.get("timestamp", "")), int(v.get("sequence") or 0)))

    # -- writing ---------------------------------------------------------------
    def register(
        self,
        model_name: str,
        version: str,
        record: dict[str, Any],
        *,
        validation: dict[str, Any] | None = None,
        user: str = "axtui",
    ) -> dict[str, Any]:
        """Store a new ``staged`` version with its lineage and refresh the index.

        ``validation`` is the artifact check (``axtui.stats.artifacts``); a FAIL
        verdict (e.g. a checksum mismatch) refuses the registration and nothing is
        written. Registering an existing version again is refused too.
        """
        if self.record(model_name, version) is not None:
            raise InputError(
                f"{model_name} version {version} is already registered",
                where=f"{REGISTRY_NS}/{version_key(model_name, version)}",
                hint="register the new artifact under a new version number",
            )
        plan = plan_registration(model_name, version, self.index(model_name), validation)
        now = self._now()
        value = {
            **record,
            "model_name": model_name,
            "version": version,
            "status": "staged",
            "created_at": record.get("created_at") or now,
            "created_by": record.get("created_by") or user,
        }
        if validation is not None:
            value.setdefault("artifact_path", validation.get("artifact_path"))
            value.setdefault("artifact_checksum", validation.get("sha256"))
            value.setdefault("artifact_size_bytes", validation.get("size_bytes"))
        self._put(REGISTRY_NS, version_key(model_name, version), value, merge=False)
        self._write_index(
            model_name,
            {
                k: plan[k]
                for k in (
                    "model_name",
                    "latest_version",
                    "production_version",
                    "canary_version",
                    "all_versions",
                )
            },
        )
        return value

    def decide(
        self,
        model_name: str,
        version: str,
        decision: str,
        *,
        user: str = "axtui",
        reason: str | None = None,
        traffic_percent: int = CANARY_PERCENT,
    ) -> Change:
        """Carry out a version-comparison decision: promote, canary, hold or reject."""
        if not 0 < traffic_percent < 100:
            raise InputError(
                f"canary traffic must be between 0 and 100 percent, got {traffic_percent}",
                where="canary_traffic_percent",
            )
        plan = plan_decision(
            model_name, version, decision, self.index(model_name), self.record(model_name, version)
        )
        now = self._now()
        key = version_key(model_name, version)
        if plan["archive_old"]:
            self._put(
                REGISTRY_NS,
                version_key(model_name, plan["old_production_version"]),
                {"status": "archived", "archived_at": now, "archived_reason": f"Superseded by {version}"},
                merge=True,
            )
        if plan["decision"] == "promote":
            self._put(
                REGISTRY_NS,
                key,
                {
                    "status": "production",
                    "promoted_at": now,
                    "promoted_by": user,
                    "was_production": True,
                    "canary_traffic_percent": None,
                },
                merge=True,
            )
        elif plan["decision"] == "canary":
            self._put(
                REGISTRY_NS,
                key,
                {"status": "canary", "canary_started_at": now, "canary_traffic_percent": traffic_percent},
                merge=True,
            )
        elif plan["decision"] == "hold":
            self._put(
                REGISTRY_NS, key, {"decision": "hold", "held_at": now, "hold_reason": reason}, merge=True
            )
        else:
            self._put(
                REGISTRY_NS,
                key,
                {
                    "status": "deprecated",
                    "decision": "reject",
                    "deprecated_at": now,
                    "deprecated_reason": reason or "Rejected: does not meet requirements",
                    "canary_traffic_percent": None,
                },
                merge=True,
            )
        kind = "promotions" if plan["decision"] in ("promote", "canary") else "decisions"
        event_type = {"promote": "promotion", "canary": "promotion", "hold": "hold", "reject": "rejection"}[
            plan["decision"]
        ]
        event_key = self._event(
            model_name,
            kind,
            {
                "event_type": event_type,
                "model_name": model_name,
                "from_version": plan["from_version"],
                "to_version": version,
                "to_status": plan["status"],
                "promotion_type": plan["promotion_type"],
                "initiated_by": user,
                "reason": reason,
                "notification_sent": True,
            },
        )
        index = self._write_index(model_name, plan["index_after"])
        return Change(
            model_name,
            plan["decision"],
            version,
            plan["status"],
            plan["old_production_version"],
            event_key,
            index,
        )

    def promote(
        self, model_name: str, version: str, *, user: str = "axtui", reason: str | None = None
    ) -> Change:
        """Make ``version`` the production version; the old one is archived as superseded."""
        return self.decide(model_name, version, "promote", user=user, reason=reason)

    def canary(
        self,
        model_name: str,
        version: str,
        *,
        user: str = "axtui",
        reason: str | None = None,
        traffic_percent: int = CANARY_PERCENT,
    ) -> Change:
        """Start a canary rollout of ``version`` at ``traffic_percent`` (10 by default, as the seed)."""
        return self.decide(
            model_name, version, "canary", user=user, reason=reason, traffic_percent=traffic_percent
        )

    def hold(
        self, model_name: str, version: str, *, user: str = "axtui", reason: str | None = None
    ) -> Change:
        """Keep the version where it is (needs more evaluation); the decision is recorded."""
        return self.decide(model_name, version, "hold", user=user, reason=reason)

    def reject(
        self, model_name: str, version: str, *, user: str = "axtui", reason: str | None = None
    ) -> Change:
        """Retire a version that does not meet requirements (deprecated, never deployable again)."""
        return self.decide(model_name, version, "reject", user=user, reason=reason)

    def rollback(
        self, model_name: str, target_version: str, *, user: str = "axtui", reason: str | None = None
    ) -> Change:
        """Put a previous production version back; the current one is archived with the reason.

        Refused when the target was never in production: a rollback restores a
        known-good state, it is not a way to skip evaluation.
        """
        plan = plan_rollback(
            model_name, target_version, self.index(model_name), self.record(model_name, target_version)
        )
        now = self._now()
        why = reason or plan["reason"]
        if plan["archive_current"]:
            self._put(
                REGISTRY_NS,
                version_key(model_name, plan["from_version"]),
                {"status": "archived", "archived_at": now, "archived_reason": why},
                merge=True,
            )
        self._put(
            REGISTRY_NS,
            version_key(model_name, target_version),
            {
                "status": "production",
                "promoted_at": now,
                "promoted_by": user,
                "was_production": True,
                "restored_by_rollback": True,
            },
            merge=True,
        )
        event_key = self._event(
            model_name,
            "rollbacks",
            {
                "event_type": "rollback",
                "model_name": model_name,
                "from_version": plan["from_version"],
                "to_version": target_version,
                "to_status": "production",
                "promotion_type": "rollback",
                "initiated_by": user,
                "reason": why,
                "notification_sent": True,
            },
        )
        index = self._write_index(model_name, plan["index_after"])
        return Change(
            model_name, "rollback", target_version, "production", plan["from_version"], event_key, index
        )

    def transition(
        self, model_name: str, version: str, target: str, *, user: str = "axtui", reason: str | None = None
    ) -> Change:
        """Move a version to ``target`` through the operation that owns that state."""
        record = self.get_version(model_name, version)
        current = str(record.get("status") or "staged")
        check_transition(current, target, where=f"{REGISTRY_NS}/{version_key(model_name, version)}")
        if target == "production":
            if current == "archived":
                return self.rollback(model_name, version, user=user, reason=reason)
            return self.promote(model_name, version, user=user, reason=reason)
        if target == "canary":
            return self.canary(model_name, version, user=user, reason=reason)
        if target == "deprecated" and current != "production":
            return self.reject(model_name, version, user=user, reason=reason)
        if current == "production":
            raise InputError(
                f"cannot move production version {version} to {target} directly",
                hint="promote another version or roll back, so production is never left empty",
            )
        now = self._now()
        self._put(
            REGISTRY_NS,
            version_key(model_name, version),
            {"status": target, f"{target}_at": now, "canary_traffic_percent": None},
            merge=True,
        )
        event_key = self._event(
            model_name,
            "decisions",
            {
                "event_type": f"status:{target}",
                "model_name": model_name,
                "version": version,
                "from_status": current,
                "initiated_by": user,
                "reason": reason,
            },
        )
        index = dict(self.index(model_name) or {})
        if index.get("canary_version") == version:
            index["canary_version"] = None
        index = self._write_index(model_name, index)
        return Change(
            model_name, "transition", version, target, self.production_version(model_name), event_key, index
        )

    # -- consistency -----------------------------------------------------------
    def check(self, model_name: str) -> list[str]:
        """Problems between the index, the version records and the event log (empty when consistent)."""
        problems: list[str] = []
        versions = self.versions(model_name)
        records = {v: self.record(model_name, v) or {} for v in versions}
        production = [v for v in versions if records[v].get("status") == "production"]
        canaries = [v for v in versions if records[v].get("status") == "canary"]
        if len(production) > 1:
            problems.append(f"more than one production version: {production}")
        for v, rec in records.items():
            if rec.get("status") not in STATES:
                problems.append(f"version {v} has unknown status {rec.get('status')!r}")
        index = self.index(model_name)
        if index is None:
            if versions:
                problems.append("versions registered but no index")
            return problems
        if list(index.get("all_versions") or []) != versions:
            problems.append(f"index all_versions {index.get('all_versions')} != registered {versions}")
        if versions and index.get("latest_version") != versions[-1]:
            problems.append(f"index latest_version {index.get('latest_version')} != {versions[-1]}")
        expected_prod = production[0] if production else None
        if index.get("production_version") != expected_prod:
            problems.append(f"index production_version {index.get('production_version')} != {expected_prod}")
        if (index.get("canary_version") or None) not in (canaries[-1] if canaries else None,):
            problems.append(
                f"index canary_version {index.get('canary_version')} != {canaries[-1] if canaries else None}"
            )
        moves = [
            e
            for e in self.events(model_name)
            if e.get("event_type") in ("promotion", "rollback", "deployment")
            and e.get("to_status") == "production"
        ]
        if moves and moves[-1].get("to_version") != expected_prod:
            problems.append(
                f"last promotion/rollback event points at {moves[-1].get('to_version')}, "
                f"production is {expected_prod}"
            )
        return problems

    # -- internals -------------------------------------------------------------
    def _put(
        self,
        namespace: str,
        key: str,
        value: dict[str, Any],
        *,
        merge: bool,
        ttl: float | str | None = "default",
    ) -> None:
        self.memory.store(namespace, key, value, ttl=ttl, merge=merge)

    def _write_index(self, model_name: str, index: dict[str, Any]) -> dict[str, Any]:
        value = {**index, "model_name": model_name, "updated_at": self._now()}
        self._put(REGISTRY_NS, index_key(model_name), value, merge=False)
        return value

    def _event(self, model_name: str, kind: str, value: dict[str, Any]) -> str:
        """Write one event under ``{model}/{kind}/{timestamp}``, never overwriting an earlier one."""
        stamp = self._now()
        key = f"{model_name}/{kind}/{stamp}"
        n = 2
        while self.memory.get(EVENTS_NS, key) is not None:
            key = f"{model_name}/{kind}/{stamp}#{n}"
            n += 1
        sequence = len(self.memory.list(EVENTS_NS, prefix=f"{model_name}/")) + 1
        self._put(
            EVENTS_NS, key, {**value, "timestamp": stamp, "sequence": sequence}, merge=False, ttl=EVENT_TTL
        )
        return key
