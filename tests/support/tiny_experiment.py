"""The small experiment the Python tests run (784-32-10 on MNIST, one epoch, T = 8, 32x32
crossbars): the Python counterpart of tiny() in tests/flow/experiment.cpp."""
import os


def tiny_experiment(tmp, src, images=4, extra=""):
    """Writes TMP/tiny.yaml (model cached in TMP/model, data from SRC/data) and returns its path;
    `extra` is appended as more top-level YAML."""
    path = os.path.join(tmp, "tiny.yaml")
    with open(path, "w") as f:
        f.write(f"""version: 1
name: tiny
arch:
  extends: {src}/configs/arch/resparc-64.yaml
  crossbar: {{rows: 32, columns: 32}}
workload:
  dataset: mnist
  data_dir: {src}/data/mnist/package/src/digits
  layers: [784, 32, 10]
  model: {tmp}/model
train: {{optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, momentum: 0.9, dropout: 0.0, seed: 1}}
snn: {{timesteps: 8, encoding: poisson, normalization: percentile, percentile: 99.9, calibration_images: 20}}
compile: {{flow: dense, seed: 1}}
simulate: {{images: {images}, seed: 1, check_golden: true, threads: 1}}
{extra}""")
    return path
