"""The ml-pipeline command's deliverables (command-ml-pipeline.md "Output Format" and "Final Deliverable").

After each phase the seed asks for a "Phase X Complete" report; at the end an
"ML Pipeline Summary". Both are assembled here from what the session holds —
the phase checklist as answered, the files and decisions recorded, and the
numbers the phase computed — so a report never claims what nobody checked:
"What Was Built" lists the checklist items marked done, "Next Steps" the ones
still open (then the next phase).
"""

from __future__ import annotations

import json
from typing import Any

from axtui.errors import InputError


def _label(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _files(raw: Any) -> list[tuple[str, str]]:
    """Files as (path, description) from 'path - description' / 'path | description' lines or mappings."""
    if raw in (None, ""):
        return []
    items = raw if isinstance(raw, list) else str(raw).splitlines()
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append((str(item.get("path", "")), str(item.get("description", ""))))
            continue
        text = str(item).strip()
        if not text:
            continue
        for sep in (" | ", " - ", ": "):
            if sep in text:
                path, desc = text.split(sep, 1)
                out.append((path.strip(), desc.strip()))
                break
        else:
            out.append((text, ""))
    return out


def phase_report(args: dict[str, Any]) -> dict[str, Any]:
    """The seed's "## Phase X Complete: [Phase Name]" block for one phase."""
    try:
        number = int(args.get("phase"))
    except (TypeError, ValueError):
        raise InputError("phase_report needs the phase number", where="phase_report: phase") from None
    name = str(args.get("name") or "").strip()
    if not name:
        raise InputError("phase_report needs the phase name", where="phase_report: name")
    checklist = args.get("checklist") or {}
    if not isinstance(checklist, dict):
        raise InputError("checklist must be an object {item: true|false}", where="phase_report: checklist")
    labels = args.get("labels") if isinstance(args.get("labels"), dict) else {}
    decisions = args.get("decisions") if isinstance(args.get("decisions"), dict) else {}
    metrics = args.get("metrics") if isinstance(args.get("metrics"), dict) else {}

    def is_done(value: Any) -> bool:
        return value is True or str(value).strip().lower() in ("true", "yes", "done")

    done = [labels.get(k, _label(k)) for k, v in checklist.items() if is_done(v)]
    open_items = [labels.get(k, _label(k)) for k, v in checklist.items() if not is_done(v)]
    files = _files(args.get("files"))
    next_phase = str(args.get("next_phase") or "").strip()
    lines = [f"## Phase {number} Complete: {name}", "", "### What Was Built"]
    lines += [f"- {item}" for item in done] or ["- Nothing marked done yet"]
    lines += ["", "### Files Created/Modified"]
    lines += [f"- `{path}` - {desc}" if desc else f"- `{path}`" for path, desc in files] or [
        "- None recorded"
    ]
    lines += ["", "### Key Decisions Made"]
    lines += [f"- {_label(k)}: {_text(v)}" for k, v in decisions.items() if v not in (None, "")] or [
        "- None recorded"
    ]
    lines += ["", "### Metrics/Results"]
    lines += [f"- {_label(k)}: {_text(v)}" for k, v in metrics.items()] or [
        "- No numbers computed in this phase"
    ]
    lines += ["", "### Next Steps"]
    steps = [f"- {item}" for item in open_items]
    if next_phase:
        steps.append(f"- {next_phase}")
    lines += steps or ["- None"]
    return {
        "phase": number,
        "name": name,
        "done": done,
        "open": open_items,
        "complete": not open_items,
        "markdown": "\n".join(lines),
        "files": [list(f) for f in files],
    }


def pipeline_summary(args: dict[str, Any]) -> dict[str, Any]:
    """The seed's "# ML Pipeline Summary" from the phase reports and the computed results."""
    phases = args.get("phases")
    if not isinstance(phases, list) or not phases:
        raise InputError("pipeline_summary needs the phase reports", where="pipeline_summary: phases")
    overview = args.get("overview") if isinstance(args.get("overview"), dict) else {}
    components = args.get("components") if isinstance(args.get("components"), dict) else {}
    performance = args.get("performance") if isinstance(args.get("performance"), dict) else {}
    monitoring = args.get("monitoring") if isinstance(args.get("monitoring"), dict) else {}
    open_items = [
        f"{p.get('name')}: {item}" for p in phases if isinstance(p, dict) for item in p.get("open", [])
    ]
    done = sum(len(p.get("done", [])) for p in phases if isinstance(p, dict))
    total = done + len(open_items)
    lines = ["# ML Pipeline Summary", "", "## Overview"]
    lines += [f"- **{_label(k)}**: {_text(v)}" for k, v in overview.items()]
    lines += ["", "## Architecture", str(args.get("architecture") or "—"), "", "## Components"]
    lines += [f"{i}. {_label(k)}: {_text(v)}" for i, (k, v) in enumerate(components.items(), start=1)]
    lines += ["", "## Model Performance"]
    lines += [f"- {_label(k)}: {_text(v)}" for k, v in performance.items()] or ["- Not computed"]
    lines += [
        "",
        "## How to Use",
        "",
        "### Training",
        "```bash",
        str(args.get("train_command") or "python train.py --config configs/train_config.yaml"),
        "```",
        "",
        "### Inference",
        "```bash",
        "# API",
        "curl -X POST http://localhost:8000/predict -d '{\"features\": {...}}'",
        "",
        "# Batch",
        "python batch_predict.py --input data/input.csv --output predictions.csv",
        "```",
        "",
        "### Monitoring",
    ]
    lines += [f"- {_label(k)}: {_text(v)}" for k, v in monitoring.items()] or ["- Not configured"]
    lines += ["", "## Next Steps"]
    lines += [f"- [ ] {item}" for item in open_items] or ["- [x] Every checklist item is done"]
    lines += ["", f"Checklist: {done} of {total} items done across {len(phases)} phases."]
    return {
        "markdown": "\n".join(lines),
        "done": done,
        "total": total,
        "open": open_items,
        "complete": not open_items,
    }
