"""The Python API against the command line: the same results, NumPy weights against the same weights
from .npy, three runs in one process, bad input raising with the CLI's locations. Run with
PYTHONPATH=build/python (ctest python/*); each test is a few seconds (a 784-32-10 MNIST network,
one epoch, 4 images)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import xbarsim

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from tiny_experiment import tiny_experiment  # noqa: E402  (the experiment the C++ tests run too)


def tiny(tmp, images=4, extra=""):
    return tiny_experiment(tmp, SRC, images, extra)


def cli(*args):
    return subprocess.run([xbarsim._paths.XBARSIM_EXE, *args], capture_output=True, text=True,
                          cwd=SRC)


def comparable(report):
    """A report without what differs between two equal runs: wall-clock times, and the API's own
    additions (the output directory, the NumPy arrays)."""
    r = {k: v for k, v in report.items() if k not in ("simulation", "dir", "arrays")}
    return json.loads(json.dumps(r))


def test_api_matches_cli(tmp_path):
    exp = tiny(str(tmp_path))
    p = cli("run", exp, "--out", str(tmp_path / "cli"))
    assert p.returncode == 0, p.stderr
    r = xbarsim.run(exp, out=tmp_path / "api", progress=False)
    from_cli = json.load(open(tmp_path / "cli" / "report.json"))
    from_api_file = json.load(open(tmp_path / "api" / "report.json"))
    assert comparable(r) == comparable(from_cli)
    assert comparable(from_api_file) == comparable(from_cli)
    assert r["dir"] == str(tmp_path / "api")
    # The NumPy series are the report's numbers.
    a = r["arrays"]
    assert a["tile_energy_pj"].shape == (r["mapping"]["tiles"],)
    assert a["tile_energy_pj"].max() == max(r["energy"]["by_tile_pj"].values())
    assert list(a["layer_crossbars"]) == [l["crossbars"] for l in r["mapping"]["layers"]]
    assert a["timestep_cycles"].shape == (8,)
    # The Placement's blocks: one entry per block of placement.json, crossbars per layer adding up.
    assert a["block_tile"].shape == (r["mapping"]["crossbars"],)
    for layer, l in enumerate(r["mapping"]["layers"]):
        assert (a["block_layer"] == layer).sum() == l["crossbars"]
    assert a["tile_crossbar_busy_cycles"].max() > 0
    # compile and accuracy: what `xbarsim compile --json` and `accuracy --json` print.
    c = xbarsim.compile(exp, out=tmp_path / "c")
    pc = cli("compile", exp, "--out", str(tmp_path / "c2"), "--json")
    assert pc.returncode == 0, pc.stderr
    assert {k: v for k, v in c.items() if k not in ("dir", "arrays")} == json.loads(pc.stdout)
    assert c["arrays"]["block_tile"].shape == (c["crossbars"],)
    acc = xbarsim.accuracy(exp, images=20)
    pa = cli("accuracy", exp, "--images", "20", "--json")
    cli_acc = json.loads(pa.stdout)
    assert acc["accuracy"] == cli_acc["accuracy"] and acc["images"] == 20


def npy_weights(model_dir):
    import yaml  # Debian python3-yaml (tools/setup.sh)
    m = yaml.safe_load(open(os.path.join(model_dir, "manifest.yaml")))
    return [np.load(os.path.join(model_dir, l["weights"])) for l in m["layers"] if l["type"] == "dense"]


def test_numpy_weights_match_npy(tmp_path):
    exp = tiny(str(tmp_path))
    from_file = xbarsim.run(exp, out=tmp_path / "file", progress=False)  # trains and caches
    weights = npy_weights(str(tmp_path / "model"))
    assert [w.shape for w in weights] == [(32, 784), (10, 32)]
    # As PyTorch hands them over: float32 arrays, here also a float64 copy (converted).
    from_memory = xbarsim.run(exp, out=tmp_path / "mem", weights=[weights[0], weights[1].astype(np.float64)],
                              progress=False)
    a, b = comparable(from_file), comparable(from_memory)
    assert a.pop("config") != b.pop("config")  # workload.model points elsewhere
    assert a == b
    with pytest.raises(ValueError, match=r"weights\[1\] has 31 inputs"):
        xbarsim.run(exp, weights=[weights[0], np.zeros((10, 31), np.float32)], progress=False)
    with pytest.raises(ValueError, match="biases are not supported"):
        xbarsim.compile(exp, weights=[weights[0], np.zeros(32, np.float32), weights[1]])


def test_three_runs_in_one_process(tmp_path):
    exp = tiny(str(tmp_path))
    seen = []
    for size in (32, 64, 128):
        r = xbarsim.run(exp, images=2, progress=False, out=tmp_path / str(size),
                        set={"arch.crossbar.rows": size, "arch.crossbar.columns": size})
        assert r["golden"]["spike_exact"]
        assert r["images"] == 2
        seen.append(r["mapping"]["crossbars"])
    assert seen[0] > seen[1] > seen[2], seen


def test_bad_input_raises_with_locations(tmp_path):
    bad = tiny(str(tmp_path), extra="")
    text = open(bad).read().replace("rows: 32", "rowz: 32")
    open(bad, "w").write(text)
    p = cli("validate", bad)
    assert p.returncode == 2
    cli_problems = [l for l in p.stderr.splitlines() if not l.startswith("xbarsim: ")]
    for call in (lambda: xbarsim.validate(bad), lambda: xbarsim.run(bad, progress=False),
                 lambda: xbarsim.compile(bad)):
        with pytest.raises(xbarsim.ConfigError) as e:
            call()
        assert e.value.problems == cli_problems
        assert e.value.problems[0].startswith(bad + ":5:")
        assert "rowz: unknown key 'rowz'; did you mean 'rows'?" in e.value.problems[0]
    with pytest.raises(xbarsim.ConfigError) as e:
        xbarsim.area(f"{SRC}/configs/arch/resparc-64.yaml", set={"adc.bits": 99})
    assert "adc.bits: value 99 is out of range" in e.value.problems[0]
    # The interpreter is still fine, and a good run still works after a failed one.
    assert xbarsim.run(tiny(str(tmp_path)), images=1, progress=False,
                       out=tmp_path / "ok")["images"] == 1


def test_area_and_validate(tmp_path):
    arch = f"{SRC}/configs/arch/resparc-64.yaml"
    a = xbarsim.area(arch, set={"chip.tiles": 16})
    p = cli("area", arch, "--set", "chip.tiles=16", "--json")
    assert a == json.loads(p.stdout)
    assert a["chip"]["tiles"] == 16
    v = xbarsim.validate(tiny(str(tmp_path)))
    assert v["kind"] == "experiment" and v["chip"] == "resparc-64" and "crossbar" in v["config"]
    assert xbarsim.validate(arch)["kind"] == "arch"
    # The GIL is released while C++ runs: a Python thread counts on through a golden-model run.
    import threading
    exp = tiny(str(tmp_path))
    xbarsim.compile(exp, out=tmp_path / "c")  # trains the model first
    ticks, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    t = threading.Thread(target=count)
    t.start()
    before = ticks[0]
    xbarsim.accuracy(exp, images=300)
    during = ticks[0] - before
    stop.set()
    t.join()
    assert during > 1000, during


def test_train_writes_the_model_the_cli_writes(tmp_path):
    data = f"{SRC}/data/mnist/package/src/digits"
    m = xbarsim.train(tmp_path / "py", layers=[784, 16, 10], epochs=1, data_dir=data, dropout=0)
    p = cli("train", "--layers", "784-16-10", "--epochs", "1", "--data-dir", data, "--dropout", "0",
            "--out", str(tmp_path / "cli"))
    assert p.returncode == 0, p.stderr
    assert m["layers"][0] == {"type": "dense", "inputs": 784, "outputs": 16, "weights": "dense0.npy"}
    for f in ("dense0.npy", "dense1.npy"):
        assert np.array_equal(np.load(tmp_path / "py" / f), np.load(tmp_path / "cli" / f))
    # An unknown data set is bad input (exit 2), raised as ConfigError with the CLI's message.
    with pytest.raises(xbarsim.ConfigError, match="unknown data set 'no-such-set'"):
        xbarsim.train(tmp_path / "bad", dataset="no-such-set", epochs=1)


def test_sweep_rows(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"version: 1\nname: s\ncommand: area\nbase: {SRC}/configs/arch/resparc-64.yaml\n"
                     "fixed:\n  chip.tiles: 4\naxes:\n  adc.bits: [4, 6]\n")
    rows = xbarsim.sweep(sweep, out=tmp_path / "out")
    assert [r["status"] for r in rows] == ["done", "done"]
    assert rows == [json.loads(l) for l in open(tmp_path / "out" / "results.jsonl")]
    for row, bits in zip(rows, (4, 6)):  # each point is what area() gives for its settings
        a = xbarsim.area(f"{SRC}/configs/arch/resparc-64.yaml", set={"chip.tiles": 4, "adc.bits": bits})
        assert row["axes"] == {"adc.bits": bits}
        assert row["metrics"]["chip.area_mm2"] == a["chip"]["area_mm2"]
    sweep.write_text(sweep.read_text().replace("[4, 6]", "[4, 99]"))
    with pytest.raises(xbarsim.ConfigError) as e:
        xbarsim.sweep(sweep, out=tmp_path / "out2")
    assert str(sweep) in e.value.problems[0]
