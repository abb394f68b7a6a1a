"""read_scenario, write_scenario, simulate, evaluate, run_scenario — and the same through the
Engine as through the command line, byte for byte."""
import collections
import json
import subprocess

import pytest

import retailfuse
from conftest import EVENT_TYPES, TINY, events


def sim_cli(cli, tmp_path, preset, seed, *extra):
    out = tmp_path / f"{preset}-{seed}"
    subprocess.run([cli, "sim", "--preset", preset, "--seed", str(seed), "--out", str(out),
                    *extra], check=True, capture_output=True)
    return out / "scenario.jsonl", out / "truth.jsonl"


def run_cli(cli, scenario, *extra):
    out = scenario.parent / "out.jsonl"
    subprocess.run([cli, "run", str(scenario), "-o", str(out), *extra], check=True,
                   capture_output=True)
    return out.read_text(encoding="utf-8")


def engine_output(path, params=None):
    """The whole scenario through the Python Engine: push_many of the events, finish."""
    records = retailfuse.read_scenario(path)
    engine = retailfuse.Engine(retailfuse.Store.from_file(path), params=params)
    evs = events(records)
    assert engine.push_many(evs) == len(evs)
    engine.finish()
    return engine.output_text()


def as_records(text):
    return [json.loads(line) for line in text.splitlines()]


# -- the same output as `retailfuse run` --

@pytest.mark.parametrize("preset,seed", [("busy", 1), ("busy", 7), ("adversarial", 3)])
def test_engine_and_run_scenario_equal_the_command_line(cli, tmp_path, preset, seed):
    scenario, truth = sim_cli(cli, tmp_path, preset, seed)
    want = run_cli(cli, scenario)
    assert want.count('"type":"receipt"') >= 20
    assert engine_output(scenario) == want
    assert retailfuse.run_scenario(scenario) == as_records(want)
    # the simulator from Python writes what the command line does
    assert retailfuse.simulate(preset, seed) == (retailfuse.read_scenario(scenario),
                                                retailfuse.read_scenario(truth))


def test_protobuf_files_read_and_write_like_json_lines(cli, tmp_path):
    """write_scenario writes .pb as the command line does; read_scenario, Store.from_file and
    run_scenario read either format and see the same records."""
    records, truth = retailfuse.simulate("busy", 4)
    jsonl, pb = tmp_path / "s.jsonl", tmp_path / "s.pb"
    retailfuse.write_scenario(jsonl, records)
    retailfuse.write_scenario(pb, records)
    assert pb.read_bytes().startswith(b"\x89RFP\r\n\x1a\n")
    assert pb.stat().st_size < jsonl.stat().st_size / 1.9
    converted = tmp_path / "c.pb"
    subprocess.run([cli, "convert", str(jsonl), str(converted)], check=True, capture_output=True)
    assert converted.read_bytes() == pb.read_bytes()
    assert retailfuse.read_scenario(pb) == retailfuse.read_scenario(jsonl) == records
    assert retailfuse.Store.from_file(pb).counts == retailfuse.Store.from_file(jsonl).counts
    assert retailfuse.run_scenario(pb) == retailfuse.run_scenario(jsonl)
    explicit = tmp_path / "explicit.bin"
    retailfuse.write_scenario(explicit, truth, format="pb")
    assert retailfuse.read_scenario(explicit) == truth
    with pytest.raises(retailfuse.InputError, match="format"):
        retailfuse.write_scenario(tmp_path / "x", truth, format="xml")


def test_protobuf_errors_name_the_frame(tmp_path):
    records, _ = retailfuse.simulate("easy", 1)
    pb = tmp_path / "s.pb"
    retailfuse.write_scenario(pb, records)
    data = pb.read_bytes()
    torn = tmp_path / "torn.pb"
    torn.write_bytes(data[:-3])
    with pytest.raises(retailfuse.InputError, match=r"frame %d \(byte \d+\): cut short"
                       % len(records)):
        retailfuse.read_scenario(torn)


def test_written_scenario_runs_the_same(cli, tmp_path):
    records, _ = retailfuse.simulate("busy", 5)
    path = tmp_path / "written.jsonl"
    retailfuse.write_scenario(path, records)
    want = run_cli(cli, path)
    assert want and engine_output(path) == want
    assert retailfuse.run_scenario(path) == as_records(want)


def test_samples_scenario_runs_the_same(cli, tmp_path):
    scenario, _ = sim_cli(cli, tmp_path, "easy", 2, "--weights", "samples", "--set", "shoppers=3",
                          "--set", "gondolas=1", "--set", "shelves_per_gondola=3",
                          "--set", "duration_s=20")
    want = run_cli(cli, scenario)
    assert want.count('"type":"receipt"') == 3
    assert engine_output(scenario) == want
    assert retailfuse.run_scenario(scenario) == as_records(want)


def test_run_scenario_greedy_and_params_equal_the_command_line(cli, tmp_path):
    scenario, _ = sim_cli(cli, tmp_path, "busy", 3)
    greedy = run_cli(cli, scenario, "--method", "greedy")
    assert retailfuse.run_scenario(scenario, method="greedy") == as_records(greedy)
    tuned = run_cli(cli, scenario, "--param", "REVIEW_BELOW=0.99", "--param", "WAIT_S=5")
    params = {"REVIEW_BELOW": 0.99, "WAIT_S": 5}
    assert retailfuse.run_scenario(scenario, params=params) == as_records(tuned)
    assert engine_output(scenario, params=params) == tuned
    assert tuned != run_cli(cli, scenario) != greedy


# -- read and write --

def test_read_scenario_reads_every_record(cli, tmp_path):
    scenario, truth = sim_cli(cli, tmp_path, "easy", 4)
    records = retailfuse.read_scenario(scenario)
    lines = scenario.read_text(encoding="utf-8").splitlines()
    assert records == [json.loads(line) for line in lines]
    kinds = collections.Counter(r["type"] for r in records)
    assert kinds["product"] == 72 and kinds["shelf"] == 12 and kinds["enter"] == 2
    assert retailfuse.read_scenario(truth)[-1]["type"] == "receipt"


def test_write_then_read_round_trip(tmp_path):
    records = TINY + [
        {"type": "enter", "t": 0, "shopper": "A"},
        {"shopper": "A", "t": 100, "type": "position", "x": 1.25, "y": -0.5},  # type not first
        {"type": "hand", "shopper": None, "shelf": "SH1", "t0": 1000, "t1": 2000, "x": 0.3,
         "conf": 0.5, "holding_in": False, "holding_out": True, "sku_scores": {"111": 0.75}},
        {"type": "samples", "plate": "P1", "t": 1500, "dt_us": 10, "g": [1.5, 2, 2.5]},
        {"type": "delta", "shelf": "SH1", "t0": 1200, "t1": 1800, "plates": {"P1": -500.25}},
        {"type": "exit", "t": 3000, "shopper": "A"},
    ]
    path = tmp_path / "s.jsonl"
    retailfuse.write_scenario(path, records)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(records)
    assert all(line.startswith('{"type":"') for line in lines), "the type first"
    assert lines[6] == '{"type":"position","shopper":"A","t":100,"x":1.25,"y":-0.5}'
    assert retailfuse.read_scenario(path) == records
    # a str path works as well as a Path
    retailfuse.write_scenario(str(path), records[:5])
    assert retailfuse.read_scenario(str(path)) == records[:5]


def test_write_scenario_checks_before_writing(tmp_path):
    path = tmp_path / "bad.jsonl"
    with pytest.raises(retailfuse.InputError, match=r"line 2: exit: field 'shopper': "
                                                   r"shopper 'B' has not entered"):
        retailfuse.write_scenario(path, [{"type": "enter", "t": 0, "shopper": "A"},
                                         {"type": "exit", "t": 0, "shopper": "B"}])
    with pytest.raises(retailfuse.InputError, match=r"line 1: facing: .*unknown shelf 'Q'"):
        retailfuse.write_scenario(path, [{"type": "facing", "shelf": "Q", "sku": "1", "x0": 0,
                                          "x1": 1}])
    with pytest.raises(retailfuse.InputError, match=r"line 2: position: field 'y': number is "
                                                   r"not finite"):
        retailfuse.write_scenario(path, [{"type": "enter", "t": 0, "shopper": "A"},
                                         {"type": "position", "t": 1, "shopper": "A", "x": 0,
                                          "y": float("inf")}])
    assert not path.exists(), "nothing is written when a record is refused"


# -- simulate --

def test_simulate_presets_seeds_knobs():
    scenario, truth = retailfuse.simulate("easy", 1)
    assert (scenario, truth) == retailfuse.simulate("easy", 1), "deterministic"
    assert scenario != retailfuse.simulate("easy", 2)[0]
    assert retailfuse.simulate() == retailfuse.simulate("busy", 1), "the defaults"
    kinds = collections.Counter(r["type"] for r in scenario)
    assert kinds["enter"] == kinds["exit"] == 2 and kinds["delta"] > 0 and kinds["samples"] == 0
    assert all(r["type"] in ("truth", "receipt") for r in truth)
    assert sum(r["type"] == "receipt" for r in truth) == 2
    three, _ = retailfuse.simulate("easy", 1, shoppers=3, gondolas=1, shelves_per_gondola="2")
    kinds = collections.Counter(r["type"] for r in three)
    assert kinds["enter"] == 3 and kinds["shelf"] == 2
    samples, _ = retailfuse.simulate("easy", 1, weights="samples", shoppers=1, duration_s=5)
    kinds = collections.Counter(r["type"] for r in samples)
    assert kinds["samples"] > 0 and kinds["delta"] == 0
    for preset in ("adversarial", "day", "large"):
        s, t = retailfuse.simulate(preset, 1, shoppers=2, duration_s=30)
        assert sum(r["type"] == "enter" for r in s) == 2 and t


def test_simulate_errors():
    with pytest.raises(retailfuse.InputError, match=r"unknown preset 'hard' \(easy, busy, "
                                                   r"adversarial, day, large, chaos\)"):
        retailfuse.simulate("hard")
    with pytest.raises(retailfuse.InputError, match="^colour = 3: no such knob$"):
        retailfuse.simulate("easy", colour=3)
    with pytest.raises(retailfuse.InputError, match="^shoppers = -3: not a valid value for it$"):
        retailfuse.simulate("easy", shoppers=-3)
    with pytest.raises(retailfuse.InputError, match="shoppers = many: not a valid value"):
        retailfuse.simulate("easy", shoppers="many")
    with pytest.raises(retailfuse.InputError, match="weights must be 'deltas' or 'samples'"):
        retailfuse.simulate("easy", weights="grams")
    with pytest.raises(retailfuse.InputError, match="plates_min|plates_max"):
        retailfuse.simulate("easy", plates_min=12, plates_max=9)


# -- evaluate --

def test_evaluate_equals_the_command_line(cli, tmp_path):
    scenario, truth = sim_cli(cli, tmp_path, "busy", 2)
    out = scenario.parent / "out.jsonl"
    out.write_text(run_cli(cli, scenario), encoding="utf-8")
    result = subprocess.run([cli, "eval", "--truth", str(truth), str(out), "--json"],
                            check=True, capture_output=True, text=True)
    want = json.loads(result.stdout)
    got = retailfuse.evaluate(retailfuse.read_scenario(truth), retailfuse.read_scenario(out))
    assert set(got) == set(want)
    for key, value in want.items():
        if key == "reliability":
            assert len(got[key]) == 10
            for g, w in zip(got[key], value):
                assert g["count"] == w["count"] and g["right"] == w["right"]
                assert g["conf_sum"] == pytest.approx(w["conf_sum"], abs=1e-6)
        elif key == "errors":
            assert got[key] == value
        else:
            assert got[key] == pytest.approx(value, abs=1e-6), key
    # text in, the same scores
    assert retailfuse.evaluate(truth.read_text(), out.read_text()) == got


def test_evaluate_perfect_and_empty_output():
    _, truth = retailfuse.simulate("easy", 1)
    receipts = [r for r in truth if r["type"] == "receipt"]
    perfect = [{"type": "receipt", "t": 0, "shopper": r["shopper"], "items": r["items"],
                "review": False} for r in receipts]
    scores = retailfuse.evaluate(truth, perfect)
    assert scores["f1"] == scores["precision"] == scores["recall"] == scores["exact"] == 1.0
    assert scores["carts"] == scores["exact_carts"] == len(receipts)
    assert scores["errors"] == dict.fromkeys(
        ("wrong_shopper", "wrong_product", "wrong_quantity", "missed", "spurious"), 0)
    nothing = retailfuse.evaluate(truth, [])
    items = sum(sum(r["items"].values()) for r in receipts)
    assert nothing["f1"] == 0.0 and nothing["errors"]["missed"] == items
    assert nothing["true_items"] == items and nothing["predicted_items"] == 0


def test_evaluate_errors():
    with pytest.raises(retailfuse.InputError, match="line 1: malformed JSON"):
        retailfuse.evaluate("not json\n", "")
    with pytest.raises(retailfuse.InputError, match=r"line 1: diff: field 'seq': is missing"):
        retailfuse.evaluate([], [{"type": "diff"}])
    with pytest.raises(retailfuse.InputError, match="^truth: "):
        retailfuse.evaluate([{"type": "enter", "t": 0, "shopper": "A"}], [])


# -- run_scenario --

def test_run_scenario_errors(tmp_path):
    path = tmp_path / "s.jsonl"
    retailfuse.write_scenario(path, TINY + [{"type": "enter", "t": 5_000_000, "shopper": "A"}])
    assert retailfuse.run_scenario(path) == []
    with pytest.raises(retailfuse.InputError, match="method must be 'fused' or 'greedy'"):
        retailfuse.run_scenario(path, method="hungarian")
    with pytest.raises(retailfuse.InputError, match="no engine parameter 'WAIT'"):
        retailfuse.run_scenario(path, params={"WAIT": 1})
    with pytest.raises(retailfuse.InputError, match=r"WAIT_S = 1000 is outside \[0, 120\]"):
        retailfuse.run_scenario(path, params={"WAIT_S": 1000})
    store_only = tmp_path / "store.jsonl"
    retailfuse.write_scenario(store_only, TINY)
    with pytest.raises(retailfuse.InputError, match=r"REVIEW_BELOW = -1 is outside \[0, 1\]"):
        retailfuse.run_scenario(store_only, params={"REVIEW_BELOW": -1})
    with path.open("a") as f:
        f.write('{"type":"exit","t":0,"shopper":"A"}\n')       # dated before A entered: set aside
    assert retailfuse.run_scenario(path) == []
    with path.open("a") as f:
        f.write('{"type":"exit","t":6000000,"shopper":"A"}\n')
    assert retailfuse.run_scenario(path) == [
        {"type": "receipt", "t": 13_000_000, "shopper": "A", "items": {}, "review": False}]
    with path.open("a") as f:
        f.write('{"type":"exit","t":0,"shopper":"A"\n')        # does not read
    with pytest.raises(retailfuse.InputError, match=r"^line 9: malformed JSON near column 34$"):
        retailfuse.run_scenario(path)
    with pytest.raises(FileNotFoundError):
        retailfuse.run_scenario(tmp_path / "missing.jsonl")


def test_run_scenario_goes_on_past_records_set_aside(tmp_path):
    # host.h: a run never stops for one bad record; those set aside leave the output as it was
    clean, noisy = tmp_path / "clean.jsonl", tmp_path / "noisy.jsonl"
    enter = '{"type":"enter","t":5000000,"shopper":"A"}'
    exit_ = '{"type":"exit","t":6000000,"shopper":"A"}'
    retailfuse.write_scenario(clean, TINY)
    retailfuse.write_scenario(noisy, TINY)
    with clean.open("a") as f:
        f.write(enter + "\n" + exit_ + "\n")
    with noisy.open("a") as f:
        f.write("\n".join([enter,
                           '{"type":"exit","t":-10000000,"shopper":"A"}',   # late
                           '{"type":"exit","t":5000000,"shopper":"Z"}',     # not in
                           enter,                                           # duplicate
                           '{"type":"delta","shelf":"SH9","t0":5000000,"t1":5100000,'
                           '"plates":{"P1":-1}}',                           # unknown shelf
                           exit_]) + "\n")
    want = [{"type": "receipt", "t": 13_000_000, "shopper": "A", "items": {}, "review": False}]
    assert retailfuse.run_scenario(clean) == want
    assert retailfuse.run_scenario(noisy) == want


def test_restock_records_round_trip(tmp_path):
    # a restock as a dict: written and read back the same, in either format, source and seq kept
    restocks = [
        {"type": "restock", "shelf": "SH1", "sku": "111", "t0": 1_000_000, "t1": 9_000_000,
         "qty": 6},
        {"type": "restock", "source": "staff-app", "seq": 3, "shelf": "SH1", "sku": "222",
         "t0": 9_500_000, "t1": 9_500_000, "qty": -2}]
    for name in ("s.jsonl", "s.pb"):
        path = tmp_path / name
        retailfuse.write_scenario(path, TINY + restocks)
        assert retailfuse.read_scenario(path) == TINY + restocks
    assert (tmp_path / "s.jsonl").read_text().splitlines()[-1] == (
        '{"type":"restock","source":"staff-app","seq":3,"shelf":"SH1","sku":"222",'
        '"t0":9500000,"t1":9500000,"qty":-2}')
    bad = dict(restocks[0], qty=0)
    with pytest.raises(retailfuse.InputError,
                       match=r"^line 6: restock: field 'qty': must not be 0$"):
        retailfuse.write_scenario(tmp_path / "bad.jsonl", TINY + [bad])
    with pytest.raises(retailfuse.InputError, match=r"restock: field 'sku': sku 'X' is not in"):
        retailfuse.write_scenario(tmp_path / "bad.jsonl", TINY + [dict(restocks[0], sku="X")])


CAMERAS = [
    {"type": "camera", "camera": "C1", "width": 640, "height": 480, "fps": 30, "t0": 0},
    {"type": "zone", "camera": "C1", "shelf": "SH1", "px": [0, 40, 600, 120], "front": "bottom",
     "shelf_x": [0, 1.2]},
    {"type": "camera", "camera": "C2", "width": 1920, "height": 1080, "fps": 29.97,
     "t0": -1_500_000},
    {"type": "zone", "camera": "C2", "shelf": "SH1", "px": [100, 0, 1920, 1080], "front": "left",
     "shelf_x": [1.0, -0.25]}]


def test_camera_and_zone_records_round_trip(tmp_path):
    # cameras and zones as dicts: written and read back the same, in either format
    for name in ("s.jsonl", "s.pb"):
        path = tmp_path / name
        retailfuse.write_scenario(path, TINY + CAMERAS)
        assert retailfuse.read_scenario(path) == TINY + CAMERAS
    # as the library writes them
    text = retailfuse._native.convert((tmp_path / "s.pb").read_bytes(), False)
    assert text.splitlines()[-4:] == [
        '{"type":"camera","camera":"C1","width":640,"height":480,"fps":30,"t0":0}',
        '{"type":"zone","camera":"C1","shelf":"SH1","px":[0,40,600,120],"front":"bottom",'
        '"shelf_x":[0,1.2]}',
        '{"type":"camera","camera":"C2","width":1920,"height":1080,"fps":29.97,"t0":-1500000}',
        '{"type":"zone","camera":"C2","shelf":"SH1","px":[100,0,1920,1080],"front":"left",'
        '"shelf_x":[1,-0.25]}']
    # a camera without t0 is one at 0: through the library, it comes back with it
    path = tmp_path / "no_t0.pb"
    retailfuse.write_scenario(path, TINY + [{k: v for k, v in CAMERAS[0].items() if k != "t0"}])
    assert retailfuse.read_scenario(path)[-1] == CAMERAS[0]


@pytest.mark.parametrize("record, message", [
    (dict(CAMERAS[0], width=0),
     r"^line 6: camera: field 'width': must be within \[1, 65535\], got 0$"),
    (dict(CAMERAS[0], fps=0), r"^line 6: camera: field 'fps': must be > 0, got 0$"),
    (dict(CAMERAS[1], front="aisle"),
     r"^line 6: zone: field 'front': expected \"top\", \"bottom\", \"left\" or \"right\", "
     r"got 'aisle'$"),
    (dict(CAMERAS[1], px=[0, 40, 600]),
     r"^line 6: zone: field 'px': expected an array \[x0, y0, x1, y1\] of 4 integers, got 3 "
     r"values$"),
    (dict(CAMERAS[1], shelf_x=[1.2, 1.2]),
     r"^line 6: zone: field 'shelf_x': its two ends must differ, got 1.2 twice$"),
])
def test_bad_camera_and_zone_records(tmp_path, record, message):
    with pytest.raises(retailfuse.InputError, match=message):
        retailfuse.write_scenario(tmp_path / "bad.jsonl", TINY + [record])


@pytest.mark.parametrize("records, message", [
    ([CAMERAS[1]], r"^line 6: zone: field 'camera': camera 'C1' is not defined \(cameras come "
                   r"before their zones\)$"),
    ([CAMERAS[0], dict(CAMERAS[1], shelf="SH9")],
     r"^line 7: zone: field 'shelf': shelf 'SH9' is not in the store \(shelves come before "
     r"their zones\)$"),
    ([CAMERAS[0], dict(CAMERAS[1], px=[0, 40, 641, 120])],
     r"^line 7: zone: field 'px': \[0, 40, 641, 120\] is not within the image of camera 'C1' "
     r"\(640 x 480\)$"),
    ([CAMERAS[0], CAMERAS[0]], r"^line 7: camera: field 'camera': camera 'C1' is defined twice$"),
])
def test_cameras_and_zones_are_checked(tmp_path, records, message):
    with pytest.raises(retailfuse.InputError, match=message):
        retailfuse.write_scenario(tmp_path / "bad.jsonl", TINY + records)
    # after the first event, a camera is out of place as a product is (not an input error)
    for record in (CAMERAS[0], TINY[0]):
        with pytest.raises(retailfuse.Error,
                           match=rf"^line 7: {record['type']}: the store description must come "
                                 r"before the first event$"):
            retailfuse.write_scenario(tmp_path / "bad.jsonl",
                                      TINY + [{"type": "enter", "t": 0, "shopper": "A"}, record])


def test_event_types_are_the_formats():
    # the events conftest.events keeps are the input events the Engine takes
    assert set(EVENT_TYPES) == set(retailfuse._INPUT_TYPES)


def test_read_scenario_blank_lines_crlf_and_unicode(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes('{"type":"product","sku":"1","name":"Tea\u2028Cake","weight_g":3}\r\n'
                     '  \r\n\t\n\n{"type":"enter","t":0,"shopper":"Ä"}\r\n'.encode())
    assert retailfuse.read_scenario(path) == [
        {"type": "product", "sku": "1", "name": "Tea\u2028Cake", "weight_g": 3},
        {"type": "enter", "t": 0, "shopper": "Ä"}]
    assert retailfuse.Store.from_file(path).products()[0]["name"] == "Tea\u2028Cake"
