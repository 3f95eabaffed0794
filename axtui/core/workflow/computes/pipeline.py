"""Pipeline computes: the ml-pipeline command's deliverables (command-ml-pipeline.md "Output Format").

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

from axtui import values
from axtui.core.workflow.computes.catalogue import compute
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


def _is_done(value: Any) -> bool:
    """A checklist answer that says done: true/yes/y/1/on, or the word "done"."""
    text = str(value).strip().lower()
    return text == "done" or text in values.TRUE_WORDS


@compute("phase_report")
def phase_report(
    phase: int,
    name: str,
    checklist: dict[str, Any] | None = None,
    labels: dict[str, Any] | None = None,
    files: Any = None,
    decisions: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    next_phase: str = "",
) -> dict[str, Any]:
    """The ml-pipeline 'Phase X Complete' report from the checklist, files, decisions and metrics."""
    number = phase
    name = name.strip()
    if not name:
        raise InputError("phase_report needs the phase name", where="phase_report: name")
    checklist = checklist or {}
    labels = labels or {}
    decisions = decisions or {}
    metrics = metrics or {}

    done = [labels.get(k, _label(k)) for k, v in checklist.items() if _is_done(v)]
    open_items = [labels.get(k, _label(k)) for k, v in checklist.items() if not _is_done(v)]
    found_files = _files(files)
    next_phase = next_phase.strip()
    lines = [f"## Phase {number} Complete: {name}", "", "### What Was Built"]
    lines += [f"- {item}" for item in done] or ["- Nothing marked done yet"]
    lines += ["", "### Files Created/Modified"]
    lines += [f"- `{path}` - {desc}" if desc else f"- `{path}`" for path, desc in found_files] or [
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
        "files": [list(f) for f in found_files],
    }


@compute("pipeline_summary")
def pipeline_summary(
    phases: list[Any],
    overview: dict[str, Any] | None = None,
    architecture: str = "—",
    components: dict[str, Any] | None = None,
    performance: dict[str, Any] | None = None,
    monitoring: dict[str, Any] | None = None,
    train_command: str = "python train.py --config configs/train_config.yaml",
) -> dict[str, Any]:
    """The ml-pipeline 'ML Pipeline Summary' from the phase reports and computed results."""
    if not phases:
        raise InputError("pipeline_summary needs the phase reports", where="pipeline_summary: phases")
    overview = overview or {}
    components = components or {}
    performance = performance or {}
    monitoring = monitoring or {}
    open_items = [
        f"{p.get('name')}: {item}" for p in phases if isinstance(p, dict) for item in p.get("open", [])
    ]
    done = sum(len(p.get("done", [])) for p in phases if isinstance(p, dict))
    total = done + len(open_items)
    lines = ["# ML Pipeline Summary", "", "## Overview"]
    lines += [f"- **{_label(k)}**: {_text(v)}" for k, v in overview.items()]
    lines += ["", "## Architecture", architecture, "", "## Components"]
    lines += [f"{i}. {_label(k)}: {_text(v)}" for i, (k, v) in enumerate(components.items(), start=1)]
    lines += ["", "## Model Performance"]
    lines += [f"- {_label(k)}: {_text(v)}" for k, v in performance.items()] or ["- Not computed"]
    lines += [
        "",
        "## How to Use",
        "",
        "### Training",
        "```bash",
        train_command,
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
