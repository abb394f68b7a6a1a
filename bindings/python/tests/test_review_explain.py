"""Reviewers' verdicts (review), explanations (explain), diffs a verdict made (reviews) and amended
receipts (amends) as dicts: read and written by the C library exactly as lines of a file are,
in either format, with its refusals."""
import json

import pytest

import retailfuse

REVIEW = {"type": "review", "decision": 14, "shopper": "S7", "items": {"040000004325": 1, "A": -2},
          "reviewer": "ana"}
NOBODY = {"type": "review", "source": "desk", "seq": 3, "decision": 15, "shopper": None,
          "items": {}}
DIFF = {"type": "diff", "seq": 21, "t": 9007199254740992, "shopper": "S7", "sku": "A", "qty": 2,
        "conf": 1, "review": False, "event": 4, "reviews": 14}
AMENDED = {"type": "receipt", "t": 52000000, "shopper": "S7", "items": {"A": 2}, "review": False,
           "amends": True}
EXPLAIN = {
    "type": "explain", "event": 3, "t": 15600000, "shelf": "G1S2", "t0": 8100000, "t1": 8600000,
    "total": -352.1, "x": 0.42, "how": "whole", "diffs": [5, 7],
    "alternatives": [
        {"shopper": "S2", "items": {"X": 1}, "p": 0.62,
         "terms": {"weight": -3.1, "plates": -0.4, "prior": -0.22, "hand": -1.1,
                   "identity": -0.02, "position": -0.5}},
        {"shopper": "S5", "items": {"X": 1, "Y": -1}, "p": 0.35,
         "terms": {"hand": -1.9, "identity": -3.9}},
        {"shopper": None, "items": {}, "p": 0.001},
    ],
    "candidates": [{"shopper": "S2", "p": 0.62, "distance": 0.35}, {"shopper": "S5", "p": 0.37}],
    "hands": [{"shopper": "S2", "t0": 7900000, "t1": 8900000, "x": 0.4, "p": 0.6},
              {"shopper": None, "t0": 8000000, "t1": 8500000, "p": 0.25}],
}
RECORDS = [REVIEW, NOBODY, DIFF, AMENDED, EXPLAIN]


@pytest.mark.parametrize("name", ["r.jsonl", "r.pb"])
def test_records_come_back_as_the_same_dicts(tmp_path, name):
    path = tmp_path / name
    retailfuse.write_scenario(path, RECORDS)
    back = retailfuse.read_scenario(path)
    assert back == RECORDS
    explain = back[4]
    assert explain["alternatives"][2]["shopper"] is None
    assert "terms" not in explain["alternatives"][2]  # nobody's: no term applies
    assert set(explain["alternatives"][1]["terms"]) == {"hand", "identity"}
    assert "distance" not in explain["candidates"][1]
    assert "x" not in explain["hands"][1] and explain["hands"][1]["shopper"] is None


def test_written_as_the_format_says(tmp_path):
    """The canonical form: type first, fields in the table's order, amends only when true,
    terms only those that apply."""
    path = tmp_path / "r.jsonl"
    shuffled = dict(reversed(list(EXPLAIN.items())))
    retailfuse.write_scenario(path, [
        {"items": {"B": -1}, "shopper": "S1", "decision": 2, "type": "review"},
        {"type": "receipt", "t": 5, "shopper": "S7", "items": {}, "amends": False},
        shuffled,
    ])
    text = retailfuse._native.convert(path.read_bytes(), False)
    lines = text.splitlines()
    assert lines[0] == '{"type":"review","decision":2,"shopper":"S1","items":{"B":-1}}'
    assert lines[1] == '{"type":"receipt","t":5,"shopper":"S7","items":{}}'
    assert lines[2].startswith('{"type":"explain","event":3,"t":15600000,"shelf":"G1S2",'
                               '"t0":8100000,"t1":8600000,"total":-352.1,"x":0.42,'
                               '"how":"whole","diffs":[5,7],"alternatives":[{"shopper":"S2",')
    assert ',{"shopper":null,"items":{},"p":0.001}],"candidates":' in lines[2]
    assert json.loads(lines[2]) == EXPLAIN


@pytest.mark.parametrize("record,message", [
    ({**REVIEW, "decision": -1}, r"^line 1: review: field 'decision': must be >= 0, got -1$"),
    ({**REVIEW, "shopper": None},
     r"^line 1: review: field 'items': must be \{\} when shopper is null$"),
    ({**REVIEW, "items": {"A": 0}}, r"^line 1: review: field 'items.A': must not be 0$"),
    ({k: v for k, v in REVIEW.items() if k != "shopper"},
     r"^line 1: review: field 'shopper': is missing$"),
    ({**DIFF, "reviews": -3}, r"^line 1: diff: field 'reviews': must be >= 0, got -3$"),
    ({**AMENDED, "amends": "yes"},
     r"^line 1: receipt: field 'amends': expected true or false, got a string$"),
    ({**EXPLAIN, "how": "guess"}, r"^line 1: explain: field 'how': expected \"whole\""),
    ({**EXPLAIN, "candidates": [{"shopper": "S2", "p": 1.5}]},
     r"^line 1: explain: field 'candidates\[0\].p': must be within \[0, 1\], got 1.5$"),
    ({**EXPLAIN, "hands": [{"shopper": None, "t0": 5, "t1": 4, "p": 1}]},
     r"^line 1: explain: field 'hands\[0\].t1': t1 4 is before t0 5$"),
    ({**EXPLAIN, "alternatives": [{"shopper": "S2", "items": {}, "p": 1,
                                   "terms": {"hand": float("nan")}}]},
     r"^line 1: explain: field 'alternatives'\[0\]\['terms'\]\['hand'\]: number is not finite$"),
])
def test_bad_records_are_refused_naming_the_field(tmp_path, record, message):
    with pytest.raises(retailfuse.InputError, match=message):
        retailfuse.write_scenario(tmp_path / "bad.jsonl", [record])
    assert not (tmp_path / "bad.jsonl").exists()


def test_engine_push_takes_a_review_as_an_input_event(store):
    """A verdict reads as an input event (no 'not an input event'); an explanation does not."""
    engine = retailfuse.Engine(store)
    with pytest.raises(retailfuse.InputError,
                       match=r"^line 1: explain is not an input event$"):
        engine.push(EXPLAIN)
    with pytest.raises(retailfuse.InputError,
                       match=r"^line 1: review: field 'decision': must be >= 0, got -7$"):
        engine.push_review(-7, "S1", {})


def test_engine_explains_and_takes_verdicts(tiny):
    """With explanations on, a decided change's diff is followed by its explain dict; a verdict
    moves the take by diffs naming the decision, and after the receipts amends them."""
    e = retailfuse.Engine(tiny)
    e.set_explain()
    e.push_enter(0, "A")
    e.push_enter(0, "B")
    e.push_hand("A", "SH1", 1_000_000, 2_000_000, x=0.25, conf=0.9)
    e.push_delta("SH1", 1_200_000, 1_800_000, {"P1": -500.3, "P2": 0.2})
    e.advance(8_800_000)
    diff, explain = e.output()
    assert diff["type"] == "diff" and (diff["seq"], diff["shopper"], diff["sku"]) == (0, "A", "111")
    assert explain["type"] == "explain"
    assert {k: explain[k] for k in ("event", "t", "shelf", "t0", "t1", "total", "how", "diffs")} \
        == {"event": 0, "t": 8_800_000, "shelf": "SH1", "t0": 1_200_000, "t1": 1_800_000,
            "total": -500.1, "how": "whole", "diffs": [0]}
    alternatives = explain["alternatives"]
    assert [(a["shopper"], a["items"]) for a in alternatives] == [
        ("A", {"111": 1}), ("B", {"111": 1}), (None, {})]
    assert round(alternatives[0]["p"], 4) == diff["conf"]  # the decided one; conf is rounded
    assert abs(sum(a["p"] for a in alternatives) - 1) < 1e-9
    assert "terms" not in alternatives[2]  # nobody's: none applies
    assert set(alternatives[1]["terms"]) <= {"weight", "plates", "prior", "hand", "identity",
                                             "position"}
    assert [c["shopper"] for c in explain["candidates"]] == ["A", "B"]
    assert all("distance" not in c for c in explain["candidates"])  # no positions given
    assert [(h["shopper"], h["t0"], h["t1"], h["x"]) for h in explain["hands"]] == [
        ("A", 1_000_000, 2_000_000, 0.25)]

    assert e.push_review(0, "B", {"111": 1}, reviewer="ana") is None
    assert e.output() == [
        {"type": "diff", "seq": 1, "t": 8_800_000, "shopper": "A", "sku": "111", "qty": -1,
         "conf": 1, "review": False, "event": 0, "reviews": 0},
        {"type": "diff", "seq": 2, "t": 8_800_000, "shopper": "B", "sku": "111", "qty": 1,
         "conf": 1, "review": False, "event": 0, "reviews": 0}]
    e.push_exit(12_000_000, "A")
    e.push_exit(12_000_000, "B")
    e.finish()
    assert [(r["shopper"], r["items"], "amends" in r) for r in e.output()] == [
        ("A", {}, False), ("B", {"111": 1}, False)]
    # after the receipts: no diff, the receipts again, amended
    assert e.push_review(0, "A", {"111": 2}) is None
    assert e.output() == [
        {"type": "receipt", "t": 19_000_000, "shopper": "B", "items": {}, "review": False,
         "amends": True},
        {"type": "receipt", "t": 19_000_000, "shopper": "A", "items": {"111": 2},
         "review": False, "amends": True}]
    stats = e.stats()
    assert (stats["verdicts"], stats["amended"], stats["explain_dropped"]) == (2, 2, 0)
    assert e.push_review(7, "A", {"111": 1}) == "unknown_decision"
