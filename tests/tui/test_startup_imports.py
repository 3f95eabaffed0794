"""The start-up path stays light: the home screen is painted before litellm, scipy or polars load.

Runs in a subprocess so that modules imported by other tests cannot hide a regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    from axtui.config import Settings
    from axtui.tui.app import create_app

    seen = {}

    async def main() -> None:
        app = create_app(Settings(db_path=Path(sys.argv[1])))
        painted = asyncio.Event()

        def first_paint_done() -> None:  # called by the home screen right after its first paint
            # Noted here, at the paint: once it returns, the home data worker starts importing.
            seen["at_first_paint"] = sorted(m for m in ("litellm", "scipy", "polars", "duckdb", "yaml")
                                            if m in sys.modules)
            painted.set()

        app.first_paint_done = first_paint_done
        async with app.run_test(size=(80, 24)) as pilot:
            await painted.wait()
            seen["screen"] = type(app.screen).__name__
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen["after_home_data"] = sorted(m for m in ("litellm", "scipy") if m in sys.modules)
            seen["workflows"] = app.screen.query_one("#workflow-table").row_count

    asyncio.run(main())
    print(json.dumps(seen))
    """
)


def test_home_screen_paints_without_heavy_imports(tmp_path: Path, isolated_home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "db.duckdb")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "HomeScreen"
    assert seen["at_first_paint"] == []  # not even DuckDB or YAML before the first paint
    assert seen["after_home_data"] == []  # sessions, personas, memory counts: still no litellm/scipy
    assert seen["workflows"] >= 1
