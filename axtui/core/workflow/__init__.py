"""The workflow engine: load and validate workflow YAML, run sessions step by step, report and replay.

Imports nothing heavy: the statistics layer, the LLM layer and memory load on first use.
"""

from axtui.core.workflow.catalog import list_workflows, load_workflow, validate_file
from axtui.core.workflow.engine import Engine
from axtui.core.workflow.fields import FormError
from axtui.core.workflow.model import Field, Problem, Step, Workflow
from axtui.core.workflow.session import Session
from axtui.core.workflow.state import Event, StepState, Summary

__all__ = [
    "Engine",
    "Event",
    "Field",
    "FormError",
    "Problem",
    "Session",
    "Step",
    "StepState",
    "Summary",
    "Workflow",
    "list_workflows",
    "load_workflow",
    "validate_file",
]
