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


def test_a_verdict_is_fed_and_its_corrections_watched(service):
    """A reviewer's verdict goes to the service as a gateway's record: taken, its corrections
    (diffs naming the decision, or the receipt again, amended) come to subscribers; one on a
    decision never made is set aside."""
    path, scenario, (unix, tcp) = service
    first = retailfuse.run_scenario(path)[0]
    assert first["type"] == "diff" and first["seq"] == 0
    verdicts = [{"type": "review", "decision": 0, "shopper": None, "items": {},
                 "reviewer": "ana"},
                {"type": "review", "decision": 10**6, "shopper": None, "items": {}}]
    counts = retailfuse.Client(unix).feed(scenario + verdicts, finish=True)
    events = [r for r in scenario if r["type"] != "review" and r["type"] in (
        "enter", "exit", "link", "position", "samples", "delta", "hand")]
    assert counts == {"taken": len(events) + 1, "set_aside": {"unknown_decision": 1}}
    watched = list(retailfuse.Client(tcp).watch(until_finish=True))
    judged = [m for m in watched if m.get("reviews") == 0 or m.get("amends")]
    # the verdict came after that cart's receipt: the receipt again, without the decision's items
    run = retailfuse.run_scenario(path)
    receipt = next(r for r in run if r["type"] == "receipt" and r["shopper"] == first["shopper"])
    items = dict(receipt["items"])
    for d in run:
        if d["type"] == "diff" and d["event"] == first["event"]:
            items[d["sku"]] -= d["qty"]
    assert judged == [{**receipt, "items": {k: q for k, q in items.items() if q > 0},
                       "amends": True}]


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
