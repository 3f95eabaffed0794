"""The offline narrator: readable, deterministic answers built from a step's task and computed facts.

``messages`` recovers persona, task, facts and question from chat messages; ``facts`` renders
facts (decisions, key numbers, record tables) digit-for-digit as given; ``task`` reads what the
task asks (tables to fill, questions, the next actions it lists per decision); ``answer`` puts a
first answer or a follow-up together. Nothing here imports LiteLLM.
"""

from axtui.core.narrator.answer import narrate
from axtui.core.narrator.messages import OfflineContext, parse_messages
from axtui.core.narrator.task import task_questions

__all__ = ["OfflineContext", "narrate", "parse_messages", "task_questions"]
