"""retailfuse.Client against `retailfuse serve`: fed and watched, the output is run's."""
import os
import subprocess
import time

import pytest

import retailfuse


@pytest.fixture()
def service(cli, tmp_path):
    scenario, _ = retailfuse.simulate("busy", 2)
    path = tmp_path / "scenario.jsonl"
    retailfuse.write_scenario(path, scenario)
    out = tmp_path / "serve.out"
    proc = subprocess.Popen([cli, "serve", "--store", str(path), "--listen",
                             f"unix:{tmp_path}/s.sock", "--listen", "tcp://127.0.0.1:0",
                             "--idle", "-1"], stdout=open(out, "w"), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not out.read_text().endswith("\n"):
        assert time.monotonic() < deadline, "serve printed no addresses"
        time.sleep(0.05)
    yield path, scenario, out.read_text().split()
    proc.terminate()
    assert proc.wait(timeout=20) == 0


def test_feed_and_watch_give_runs_output(service):
    path, scenario, (unix, tcp) = service
    events = [r for r in scenario
              if r["type"] in ("enter", "exit", "link", "position", "samples", "delta", "hand")]
    counts = retailfuse.Client(unix).feed(scenario, finish=True)
    assert counts == {"taken": len(events), "set_aside": {}}
    watched = list(retailfuse.Client(tcp).watch(until_finish=True))
    assert watched[-1] == {"type": "finish"}
    output = [m for m in watched if m["type"] in ("diff", "receipt")]
    assert output == retailfuse.run_scenario(path)
    # resumed from a later seq: the same messages from there on
    assert list(retailfuse.Client(tcp).watch(start=11, until_finish=True)) == watched[10:]


def test_set_aside_records_are_acknowledged_with_their_reason(service):
    _, _, (unix, _) = service
    counts = retailfuse.Client(unix).feed([
        {"type": "exit", "t": 5, "shopper": "ghost"},
        {"type": "exit", "t": 6, "shopper": "ghost", "source": "tracker", "seq": 1},
        {"type": "exit", "t": 6, "shopper": "ghost", "source": "tracker", "seq": 1},
    ], source="tracker")
    assert counts == {"taken": 0, "set_aside": {"not_in": 2, "duplicate": 1}}


def test_a_stream_the_service_refuses_raises(service):
    _, _, (unix, _) = service
    with pytest.raises(retailfuse.ServiceError,
                       match="line 2: exit: field 't': expected an integer"):
        retailfuse.Client(unix).feed([{"type": "exit", "t": "soon", "shopper": "S1"}])
