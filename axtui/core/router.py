"""Which persona should answer a free-text question, and whom a persona may hand a sub-question to.

Scoring is a transparent sum over whole words and phrases (never substrings: "ml" does not
match "html", "deploy" does not match "deployment"). Text is lowercased and split on anything
that is not a letter or digit; a hyphenated or slashed term such as ``ci-cd`` or ``a/b`` is a
phrase of its parts, so it matches "ci-cd", "CI/CD" and "ci cd" alike, and its parts match on
their own. A trailing plural "s" is ignored on words of four letters or more ("features"
matches "feature"). Each term counts once per query.

Weights (documented in docs/personas-and-models.md):

=====================  ======  =============================================================
source                 weight  how it matches
=====================  ======  =============================================================
agent id / name          4.0   the persona's id or display name appears as a phrase
primaryIntents           3.0   the whole term appears as a phrase
keywords                 2.0   the whole term appears as a phrase
role                     2.0   the whole role appears as a phrase ("data scientist")
secondarySignals         1.5   the whole term appears as a phrase
expertise                1.5   a whole expertise entry appears as a phrase
role/expertise words     0.5   each distinct content word shared (at most 1.5 in total)
exampleTasks words       0.5   each distinct content word shared (at most 2.0 in total)
antiKeywords            -3.0   the whole term appears as a phrase
notForTasks             -3.0   a whole entry appears; else -0.5 per shared word (at most -1.5)
=====================  ======  =============================================================

The persona with the highest positive score wins (ties: higher ``priority``, then id). When
nothing scores above zero the fallback persona (``generalist``) answers and ``fallback`` is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from axtui.core.personas import Persona, fallback_persona

W_NAME = 4.0
W_PRIMARY = 3.0
W_KEYWORD = 2.0
W_ROLE = 2.0
W_SECONDARY = 1.5
W_EXPERTISE = 1.5
W_WORD = 0.5
CAP_PERSONA_WORDS = 1.5
CAP_EXAMPLE_WORDS = 2.0
W_ANTI = -3.0
W_NOT_FOR = -3.0
CAP_NOT_FOR_WORDS = -1.5

_TOKEN = re.compile(r"[a-z0-9]+(?:[-/_.+'][a-z0-9]+)*")
_SPLIT = re.compile(r"[-/_.+']")
_STOPWORDS_TEXT = """
a an and are as at be by can could do does for from how i in into is it its me my of on or our
should the their them this to us we what when where which who why will with would you your
please about use using want need help get set make new up out via vs than then there these
those have has not no yes one all any some more most very just like also only so if but way
best good
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Words too common in ML text to tell personas apart on their own (phrases still match).
_GENERIC_TEXT = """
model ml machine learning data system production team work
"""
GENERIC = frozenset(_GENERIC_TEXT.split())


def _norm(word: str) -> str:
    return word[:-1] if len(word) >= 4 and word.endswith("s") and not word.endswith("ss") else word


def tokens(text: str) -> list[str]:
    """Lowercased whole-word parts of ``text`` (a hyphenated term contributes each part)."""
    parts: list[str] = []
    for compound in _TOKEN.findall(text.lower()):
        parts.extend(p for p in _SPLIT.split(compound) if p)
    return parts


def compounds(text: str) -> list[str]:
    """Hyphenated/slashed terms kept whole (``ci-cd``), for display and exact checks."""
    return [c for c in _TOKEN.findall(text.lower()) if _SPLIT.search(c)]


def _seq(text: str) -> list[str]:
    return [_norm(t) for t in tokens(text)]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Is ``needle`` a contiguous run of whole words in ``haystack``?"""
    if not needle or len(needle) > len(haystack):
        return False
    first = needle[0]
    n = len(needle)
    return any(haystack[i] == first and haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def phrase_in(query: str, term: str) -> bool:
    """Whole-word/phrase match of ``term`` in ``query`` (the router's only matching rule)."""
    return _contains(_seq(query), _seq(term))


def _content(text: str) -> set[str]:
    return {w for w in _seq(text) if w not in STOPWORDS and w not in GENERIC and len(w) > 1}


@dataclass
class Score:
    agent_id: str
    score: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "score": round(self.score, 3), "reasons": list(self.reasons)}


@dataclass
class RouteResult:
    chosen: Persona
    scores: list[Score]
    fallback: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen.agent_id,
            "display_name": self.chosen.display_name,
            "fallback": self.fallback,
            "scores": [s.to_dict() for s in self.scores],
        }


def score_persona(query: str, persona: Persona) -> Score:
    """The documented weighted sum for one persona, with a reason per contribution."""
    seq = _seq(query)
    words = {w for w in seq if w not in STOPWORDS and w not in GENERIC and len(w) > 1}
    total = 0.0
    reasons: list[str] = []

    def phrases(terms: list[str], weight: float, label: str) -> set[str]:
        nonlocal total
        hit: set[str] = set()
        for term in dict.fromkeys(t.lower() for t in terms):
            if term and _contains(seq, _seq(term)):
                total += weight
                reasons.append(f"{label} {term!r} ({weight:+g})")
                hit.add(term)
        return hit

    def word_overlap(source: set[str], weight: float, cap: float, label: str) -> None:
        nonlocal total
        shared = sorted(words & source)
        if not shared:
            return
        value = max(cap, weight * len(shared)) if weight < 0 else min(cap, weight * len(shared))
        total += value
        reasons.append(f"{label} {', '.join(shared)} ({value:+g})")

    names = {persona.agent_id, persona.display_name}
    phrases([n for n in names if n], W_NAME, "name")
    phrases(persona.primary_intents, W_PRIMARY, "primary intent")
    phrases(persona.keywords, W_KEYWORD, "keyword")
    phrases([persona.role], W_ROLE, "role")
    phrases(persona.secondary_signals, W_SECONDARY, "signal")
    phrases(persona.expertise, W_EXPERTISE, "expertise")
    persona_words: set[str] = set()
    for text in [persona.role, *persona.expertise]:
        persona_words |= _content(text)
    word_overlap(persona_words, W_WORD, CAP_PERSONA_WORDS, "expertise words")
    example_words: set[str] = set()
    for text in persona.example_tasks:
        example_words |= _content(text)
    word_overlap(example_words, W_WORD, CAP_EXAMPLE_WORDS, "example-task words")
    phrases(persona.anti_keywords, W_ANTI, "anti-keyword")
    whole = phrases(persona.not_for_tasks, W_NOT_FOR, "not-for task")
    not_for_words: set[str] = set()
    for text in persona.not_for_tasks:
        if text.lower() not in whole:
            not_for_words |= _content(text)
    word_overlap(not_for_words, -W_WORD, CAP_NOT_FOR_WORDS, "not-for words")
    return Score(persona.agent_id, round(total, 6), reasons)


def route(query: str, personas: dict[str, Persona]) -> RouteResult:
    """Score every persona for ``query``; the best positive score wins, else the fallback persona."""
    scores = [score_persona(query, p) for p in personas.values()]
    priority = {p.agent_id: p.priority for p in personas.values()}
    scores.sort(key=lambda s: (-s.score, -priority.get(s.agent_id, 0), s.agent_id))
    if scores and scores[0].score > 0:
        return RouteResult(personas[scores[0].agent_id], scores, fallback=False)
    return RouteResult(fallback_persona(personas), scores, fallback=True)


# -- delegation ------------------------------------------------------------------


def plan_delegation(
    persona: Persona,
    depth: int,
    chain: list[str] | tuple[str, ...],
    personas: dict[str, Persona] | None = None,
) -> list[str]:
    """Delegates ``persona`` may hand a sub-question to at delegation ``depth`` (0 = the user's turn).

    Allowed only while ``depth < maxDelegationDepth``; never to a persona already in ``chain``
    (the ids from the user's persona down to this one), so A → B → A cannot happen; unknown ids
    are skipped when ``personas`` is given.
    """
    if depth < 0 or depth >= persona.max_delegation_depth:
        return []
    seen = set(chain) | {persona.agent_id}
    return [d for d in persona.preferred_delegates if d not in seen and (personas is None or d in personas)]


def choose_delegate(
    persona: Persona,
    query: str,
    personas: dict[str, Persona],
    *,
    depth: int = 0,
    chain: list[str] | tuple[str, ...] = (),
) -> Persona | None:
    """The allowed delegate that scores best for ``query`` (preference order breaks ties), or None."""
    allowed = plan_delegation(persona, depth, chain, personas)
    if not allowed:
        return None
    ranked = sorted(allowed, key=lambda d: (-score_persona(query, personas[d]).score, allowed.index(d)))
    return personas[ranked[0]]
