"""One step count everywhere: the synthetic Inputs form is never counted or numbered.

Home and ``workflows list`` say "23 steps" for ml-ab-testing; the session view says "Step k/23";
``sessions`` and the headless progress lines and summary say k/23 too. All of them read
``axtui.core.workflow.state`` (``numbered`` / ``step_number`` / ``progress``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axtui.cli import main
from axtui.core.workflow.model import INPUTS_STEP_ID
from axtui.core.workflow.state import DONE_STATES, numbered, progress, step_number

REPO = Path(__file__).resolve().parent.parent
STATUSES = ["done", "skipped", "not_measured", "current", "pending", "failed", "running"]


STEPS = st.tuples(st.text(min_size=1, max_size=4), st.sampled_from(STATUSES))


@given(st.lists(STEPS, unique_by=lambda p: p[0]))
def test_the_inputs_form_is_never_counted(steps: list[tuple[str, str]]) -> None:
    with_inputs = [(INPUTS_STEP_ID, "done"), *((i, s) for i, s in steps if i != INPUTS_STEP_ID)]
    done, total = progress(with_inputs)
    assert total == len(with_inputs) - 1
    assert done == sum(1 for _, s in with_inputs[1:] if s in DONE_STATES)
    ids = [i for i, _ in with_inputs]
    assert step_number(ids, INPUTS_STEP_ID) is None
    assert [step_number(ids, i) for i in numbered(ids)] == list(range(1, total + 1))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_sessions_headless_progress_and_the_tui_agree(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)  # the example inputs use repo-relative data paths
    db = str(tmp_path / "count.duckdb")
    code, out, _err = run(capsys, "--json", "workflows", "list")
    assert code == 0
    listed = {wf["id"]: wf["steps"] for wf in json.loads(out)["workflows"]}["ml-ab-testing"]
    inputs = "@examples/inputs/ml-ab-testing.json"
    code, out, err = run(capsys, "--db", db, "run", "ml-ab-testing", "--headless", "--input", inputs)
    assert code == 0, err
    numbers = [tuple(map(int, m)) for m in re.findall(r"\[(\d+)/(\d+)\]", err)]
    assert numbers and {total for _, total in numbers} == {listed}
    assert max(n for n, _ in numbers) == listed and min(n for n, _ in numbers) == 1
    assert not re.search(rf"\[\d+/\d+\] {INPUTS_STEP_ID}\b", err)  # the form has no number
    assert f"({listed}/{listed} steps" in out
    session_id = re.search(r"session ([0-9a-f]{12})", out).group(1)
    code, out, _err = run(capsys, "--db", db, "sessions", "--all")
    assert code == 0
    row = next(line for line in out.splitlines() if session_id in line)
    assert f"{listed}/{listed}" in row
    code, out, _err = run(capsys, "--db", db, "--json", "sessions", "--all")
    stored = next(s for s in json.loads(out)["sessions"] if s["id"] == session_id)
    assert (stored["steps_done"], stored["steps_total"]) == (listed, listed)
    # the session view counts the same way
    from axtui.config import Settings
    from axtui.core.store import Store
    from axtui.core.workflow import Engine
    from axtui.tui.session_state import build_snapshot

    with Store(Path(db)) as store:
        snapshot = build_snapshot(Engine(store, Settings(db_path=Path(db))).open(session_id))
    assert (snapshot.done_count, snapshot.total) == (listed, listed)
    last = [s for s in snapshot.steps if s.id != INPUTS_STEP_ID][-1]
    assert snapshot.number(last) == listed
