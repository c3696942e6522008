"""xbarsim from Python: the command line's operations with the same validation and the same
results, as plain Python values.

    import xbarsim
    xbarsim.validate("configs/examples/mnist-500.yaml")
    xbarsim.area("configs/arch/resparc-64.yaml", set={"chip.tiles": 16})
    r = xbarsim.run("configs/examples/mnist-500.yaml", images=20,
                    set={"arch.crossbar.rows": 128, "arch.crossbar.columns": 128})
    r["energy"]["per_image_pj"], r["arrays"]["tile_energy_pj"]  # report.json as a dict; NumPy

`set=` takes {key.path: value} (or a list of "key.path=value" strings) like `--set`. Bad input
raises `xbarsim.ConfigError`, whose `problems` are the CLI's `file:line:col: key.path: message`
lines. `run` simulates in a child process, so any number of runs work in one Python process
(SystemC elaborates once per process); the GIL is released while C++ runs, and a tqdm progress bar
shows the images simulated when tqdm is installed (`progress=False` turns it off).

The network can come from memory: `weights=[W1, W2, ...]` (NumPy arrays, outputs x inputs, as
`[w.detach().numpy() for w in model.parameters()]` gives them for a bias-free PyTorch MLP) or
`onnx="model.onnx"`; they are written as an xbarsim model directory (the format `xbarsim train`
writes) that the experiment's workload.model then points to.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from . import _xbarsim
from ._paths import XBARSIM_EXE

__version__ = _xbarsim.version
__all__ = ["ConfigError", "XbarsimError", "validate", "area", "train", "compile", "run",
           "accuracy", "sweep", "report", "__version__"]


class XbarsimError(RuntimeError):
    """A failure that is not bad input (the CLI's exit code 1)."""


class ConfigError(ValueError):
    """Bad input (the CLI's exit code 2): `problems` lists every problem found, each as the CLI
    prints it, `file:line:col: key.path: message`."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _overrides(set):
    """{key.path: value} or ["key.path=value", ...] -> the CLI's --set strings."""
    if set is None:
        return []
    if isinstance(set, dict):
        out = []
        for k, v in set.items():
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, (list, tuple)):
                v = "[" + ", ".join(str(x) for x in v) + "]"
            out.append(f"{k}={v}")
        return out
    return [str(s) for s in set]


def _answer(text):
    a = json.loads(text)
    if a["ok"]:
        return a
    if a["kind"] == "config":
        raise ConfigError(a["problems"])
    raise XbarsimError(a["message"])


def _arrays(report):
    """NumPy arrays of a run report's per-tile and per-layer series (the report's lists stay as
    they are): tile_* in the order of floorplan.tiles, link_flits in that of floorplan.links,
    layer_energy_pj and layer_crossbars by layer, timestep_cycles by timestep."""
    try:
        import numpy as np
    except ImportError:
        return {}
    a = {}
    fp = report.get("floorplan")
    if fp:
        for key in ("slot", "row", "column", "crossbars", "neurons", "dynamic_pj", "crossbar_reads",
                    "crossbar_busy_cycles", "spikes", "flits_sent"):
            a["tile_energy_pj" if key == "dynamic_pj" else "tile_" + key] = np.array(
                [t[key] for t in fp["tiles"]])
        a["link_flits"] = np.array([l["flits"] for l in fp["links"]])
    layers = report.get("energy", {}).get("by_layer_pj", {})
    a["layer_energy_pj"] = np.array([layers[k] for k in sorted(layers, key=int)])
    a["layer_crossbars"] = np.array([l["crossbars"] for l in report["mapping"]["layers"]])
    if "per_timestep_cycles" in report.get("latency", {}):
        a["timestep_cycles"] = np.array(report["latency"]["per_timestep_cycles"])
    return a


def _block_arrays(out_dir):
    """NumPy arrays of the Placement's crossbar blocks (OUT/placement.json), one entry per block in
    its order: block_layer, block_tile, block_core, block_slot, block_synapses, block_rows (inputs
    driven) and block_columns (outputs fed). Empty when numpy or the file is missing."""
    try:
        import numpy as np
    except ImportError:
        return {}
    path = os.path.join(os.fspath(out_dir), "placement.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        blocks = json.load(f)["blocks"]
    size = lambda v: len(v) if isinstance(v, list) else v
    a = {"block_" + k: np.array([b[k] for b in blocks], dtype=np.int64)
         for k in ("layer", "tile", "core", "slot", "synapses")}
    a["block_rows"] = np.array([size(b["rows"]) for b in blocks], dtype=np.int64)
    a["block_columns"] = np.array([size(b["columns"]) for b in blocks], dtype=np.int64)
    return a


class _Network:
    """weights= or onnx=: a model directory for the call, and the overrides that point to it."""

    def __init__(self, weights, onnx, dataset):
        self.dir = None
        self.overrides = []
        if weights is None and onnx is None:
            return
        if weights is not None and onnx is not None:
            raise ValueError("give weights= or onnx=, not both")
        self.dir = tempfile.mkdtemp(prefix="xbarsim-model-")
        try:
            self._write(weights, onnx, dataset)
        except XbarsimError as e:  # arrays of the wrong shape: bad input, said as such
            shutil.rmtree(self.dir, ignore_errors=True)
            raise ValueError(str(e)) from None

    def _write(self, weights, onnx, dataset):
        if weights is not None:
            sizes = _answer(_xbarsim.write_model(self.dir, list(weights), dataset or ""))["result"]
            self.overrides = [f"workload.model={self.dir}",
                              "workload.layers=[" + ", ".join(map(str, sizes)) + "]"]
        else:
            r = _answer(_xbarsim.import_onnx(os.fspath(onnx), self.dir, dataset or ""))["result"]
            self.overrides = [f"workload.model={self.dir}",
                              "workload.layers=[" + ", ".join(map(str, r["layers"])) + "]"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def validate(path, set=None):
    """`xbarsim validate`: an arch config (with its library) or a whole experiment. Returns
    {"kind": "arch"|"experiment", "name", "chip", "library", "config": resolved YAML text}."""
    return _answer(_xbarsim.validate(os.fspath(path), _overrides(set)))["result"]


def area(arch, set=None):
    """`xbarsim area --json`: area and peak power of the core, tile and chip, by component."""
    return _answer(_xbarsim.area(os.fspath(arch), _overrides(set)))["result"]


def compile(experiment, set=None, out=None, weights=None, onnx=None, quiet=True):
    """`xbarsim compile`: trains (or loads) and compiles the network; writes OUT/FLOW/ (default
    runs/NAME/FLOW) and returns compile.json as a dict (with "dir", and "arrays": the Placement's
    blocks as NumPy arrays)."""
    with _Network(weights, onnx, None) as net:
        c = _answer(_xbarsim.compile(os.fspath(experiment), _overrides(set) + net.overrides,
                                     os.fspath(out or ""), quiet))["result"]
    c["arrays"] = _block_arrays(c["dir"])
    return c


def accuracy(experiment, set=None, images=-1, compiled=None, weights=None, onnx=None, quiet=True):
    """`xbarsim accuracy --json`: the golden model's accuracy alone (fast, no timing)."""
    with _Network(weights, onnx, None) as net:
        return _answer(_xbarsim.accuracy(os.fspath(experiment), _overrides(set) + net.overrides,
                                         images, os.fspath(compiled or ""), quiet))["result"]


_PROGRESS = re.compile(r"simulating: (\d+)/(\d+) images")


class _Progress:
    """tqdm over the images when tqdm is installed and wanted; other log lines to `log`."""

    def __init__(self, progress, log):
        self.bar = None
        self.log = log
        self.enabled = progress
        try:
            import tqdm.auto
            self.tqdm = tqdm.auto.tqdm
        except ImportError:
            self.tqdm = None

    def __call__(self, line):
        m = _PROGRESS.search(line)
        if m:
            done, total = int(m.group(1)), int(m.group(2))
            if self.enabled and self.tqdm is not None:
                if self.bar is None:
                    self.bar = self.tqdm(total=total, unit="image", desc="simulating")
                self.bar.update(done - self.bar.n)
            return
        if self.log is not None:
            print(line, file=self.log)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run(experiment, images=None, set=None, out=None, compiled=None, weights=None, onnx=None,
        html=False, progress=True, log=None):
    """`xbarsim run --json`: compiles (or loads `compiled`), simulates cycle by cycle in a child
    process and returns the report: report.json's content (also written to OUT, default
    runs/NAME), plus "dir" (OUT) and "arrays" (NumPy arrays of the per-tile and per-layer series). `log`: a file to
    copy the run's log lines to (default: none)."""
    p = _Progress(progress, log)
    try:
        with _Network(weights, onnx, None) as net:
            a = _answer(_xbarsim.run(os.fspath(experiment), _overrides(set) + net.overrides,
                                     -1 if images is None else int(images), os.fspath(out or ""),
                                     os.fspath(compiled or ""), bool(html), p))
    finally:
        p.close()
    report = a["result"]
    report["dir"] = a["dir"]
    report["arrays"] = _arrays(report)
    report["arrays"].update(_block_arrays(report["dir"]))
    return report


def report(run_dir):
    """`xbarsim report RUN_DIR`: writes RUN_DIR/report.html; returns its path."""
    return _answer(_xbarsim.report(os.fspath(run_dir)))["result"]


def sweep(sweep_file, jobs=1, out=None, retry_failed=False):
    """`xbarsim sweep`: runs every point (one xbarsim process per point, resumable) and returns
    the rows of results.jsonl. Bad sweep files raise ConfigError like the CLI's exit code 2."""
    cmd = ["sweep", os.fspath(sweep_file), "-j", str(int(jobs))]
    if out:
        cmd += ["--out", os.fspath(out)]
    if retry_failed:
        cmd.append("--retry-failed")
    p = _executable(cmd)
    m = re.search(r"out: (.+)$", p.stderr, re.M)
    out_dir = out or (m.group(1) if m else None)
    rows = [json.loads(l) for l in open(os.path.join(out_dir, "results.jsonl")) if l.strip()]
    return rows


def _executable(args):
    """Runs the xbarsim executable; its output, or ConfigError (exit 2) / XbarsimError."""
    p = subprocess.run([XBARSIM_EXE, *args], capture_output=True, text=True)
    if p.returncode == 2:
        raise ConfigError([l for l in p.stderr.splitlines() if l and not l.startswith("xbarsim: ")]
                          or [p.stderr.strip()])
    if p.returncode not in (0, 3):
        raise XbarsimError(p.stderr.strip() or f"xbarsim {args[0]} exited {p.returncode}")
    return p


def train(out, dataset="mnist", layers="784-500-500-10", **options):
    """`xbarsim train`: trains an MLP (layers "784-500-500-10" or a list of sizes) or a CNN
    (layers "12c5-2s-64c5-2s-1200-1200-10", "vgg11", ...) and writes the model to `out`. Every
    other option of the command is a keyword: epochs=10, lr=0.002, trannsformer=True, ... (dashes
    as underscores; True switches a flag on). Returns the model's manifest.yaml as a dict, with
    "dir". It runs the executable, so the training's threads do not share the Python process."""
    import yaml  # Debian python3-yaml, installed with xbarsim's dependencies
    if isinstance(layers, (list, tuple)):
        layers = "-".join(str(int(x)) for x in layers)
    args = ["train", "--dataset", dataset, "--layers", str(layers), "--out", os.fspath(out)]
    for k, v in options.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            args.append(flag)
        elif v is not False and v is not None:
            args += [flag, str(v)]
    _executable(args)
    with open(os.path.join(out, "manifest.yaml")) as f:
        manifest = yaml.safe_load(f)
    manifest["dir"] = os.fspath(out)
    return manifest
