"""`http(s)://`, `gs://` and `az://` inputs against servers on 127.0.0.1 (nothing leaves the machine).

* http: a static file server that answers byte ranges (`tests/http_server.py`): Parquet and CSV
  read as from local copies, drift over two URLs, a missing file, a closed port.
* https: the same server behind TLS with a certificate of a throwaway CA (openssl): trusted
  through `SSL_CERT_FILE` it reads as the local copy; untrusted it exits 2 naming the setting.
* gs: a service-account file whose `gcs_base_url` points at the local server (object_store's
  hook for emulators) with OAuth off: the request demonstrably reaches 127.0.0.1 (its 404 is
  reported as "nothing found"), and a closed port gives "cannot reach" with the gs hint.
* az: `AZURE_STORAGE_ENDPOINT` at the local server with a dummy account key: the same two checks.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from axtui.stats.drift import compute_drift
from axtui.stats.io import read_table
from tests.http_server import make_test_ca, serving
from tests.test_io_sources import frame, run


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("site")
    frame(1).write_parquet(root / "ref.parquet")
    frame(2, shift=1.0).write_parquet(root / "cur.parquet")
    frame(3).write_csv(root / "ref.csv")
    with serving(root) as base:
        yield base, root


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _fast_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AXTUI_CONNECT_TIMEOUT", "1")


def test_http_parquet_and_csv_read_as_local_copies(site: tuple[str, Path]) -> None:
    base, root = site
    assert_frame_equal(read_table(f"{base}/ref.parquet"), pl.read_parquet(root / "ref.parquet"))
    assert_frame_equal(
        read_table(f"{base}/ref.csv", columns=["x"]), pl.read_csv(root / "ref.csv").select("x")
    )


def test_drift_over_http_equals_drift_on_the_files(
    site: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, root = site
    code, out, _ = run(capsys, "--json", "drift", f"{base}/ref.parquet", f"{base}/cur.parquet")
    assert code == 0
    local = compute_drift(root / "ref.parquet", root / "cur.parquet")
    assert json.loads(out)["columns"] == json.loads(json.dumps(local["columns"]))


def test_http_missing_file_and_closed_port_exit_2(
    site: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = site
    code, out, err = run(capsys, "drift", f"{base}/nope.parquet", f"{base}/cur.parquet")
    assert code == 2 and out == "" and "nothing found at this URL" in err and "nope.parquet" in err
    url = f"http://127.0.0.1:{_closed_port()}/ref.parquet"
    code, out, err = run(capsys, "drift", url, url)
    assert code == 2 and out == ""
    assert "cannot reach the object store" in err and "the URL's host and port" in err


@pytest.fixture(scope="module")
def tls_site(
    site: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test CA")
    _, root = site
    ca, cert, key = make_test_ca(tmp_path_factory.mktemp("tls"))
    with serving(root, tls=(cert, key)) as base:
        yield base, root, ca


def test_https_with_a_trusted_ca_reads_as_the_local_copy(
    tls_site: tuple[str, Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base, root, ca = tls_site
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert_frame_equal(read_table(f"{base}/ref.parquet"), pl.read_parquet(root / "ref.parquet"))
    code, out, _ = run(capsys, "--json", "drift", f"{base}/ref.parquet", f"{base}/cur.parquet")
    assert code == 0
    local = compute_drift(root / "ref.parquet", root / "cur.parquet")
    assert json.loads(out)["columns"] == json.loads(json.dumps(local["columns"]))


def test_https_with_an_unknown_ca_exits_2_naming_the_certificate(tls_site: tuple[str, Path, Path]) -> None:
    """In a process of its own: polars keeps an object-store client, and its trust, per process."""
    import os
    import subprocess
    import sys

    base, _, _ = tls_site
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env["AXTUI_CONNECT_TIMEOUT"] = "1"
    url = f"{base}/ref.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "axtui", "drift", url, url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert "certificate" in done.stderr and "SSL_CERT_FILE" in done.stderr, done.stderr


def _gcs_account(tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    account = {
        "type": "service_account",
        "private_key": "",
        "private_key_id": "test",
        "client_email": "axtui-test@example.iam.gserviceaccount.com",
        "gcs_base_url": base,
        "disable_oauth": True,
    }
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(account))
    monkeypatch.setenv("GOOGLE_SERVICE_ACCOUNT", str(path))


def test_gs_reaches_the_configured_endpoint_and_reports_a_closed_one(
    site: tuple[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _gcs_account(tmp_path, site[0], monkeypatch)
    code, _, err = run(capsys, "drift", "gs://lake/ref.parquet", "gs://lake/cur.parquet")
    assert code == 2 and "nothing found at this URL" in err  # the local server's 404: it was asked
    _gcs_account(tmp_path, f"http://127.0.0.1:{_closed_port()}", monkeypatch)
    code, out, err = run(capsys, "drift", "gs://lake/ref.parquet", "gs://lake/cur.parquet")
    assert code == 2 and out == ""
    assert "cannot reach the object store" in err and "GOOGLE_SERVICE_ACCOUNT" in err


def test_az_reaches_the_configured_endpoint_and_reports_a_closed_one(
    site: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "axtuitest")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", "a2V5")  # base64 of "key": a dummy
    monkeypatch.setenv("AZURE_STORAGE_ENDPOINT", site[0])
    code, _, err = run(capsys, "drift", "az://lake/ref.parquet", "az://lake/cur.parquet")
    assert code == 2 and "nothing found at this URL" in err  # the local server's 404: it was asked
    monkeypatch.setenv("AZURE_STORAGE_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    code, out, err = run(capsys, "drift", "az://lake/ref.parquet", "az://lake/cur.parquet")
    assert code == 2 and out == ""
    assert "cannot reach the object store" in err and "AZURE_STORAGE_ENDPOINT" in err
