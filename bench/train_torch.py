#!/usr/bin/python3
"""PyTorch reference for bench_train: the same MLP (no bias, ReLU, dropout 0.5), batch, optimiser
and data (Fashion-MNIST, 60,000 images), on a fixed number of CPU threads. Prints s/epoch."""
import argparse
import gzip
import time

import numpy as np
import torch


def load_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--layers", default="784-1200-1200-10")
    p.add_argument("--optimiser", default="adam", choices=["adam", "sgd"])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = load_idx(f"{a.data_dir}/train-images-idx3-ubyte.gz", 16).reshape(-1, 784)
    y = load_idx(f"{a.data_dir}/train-labels-idx1-ubyte.gz", 8)
    x = torch.from_numpy(x.astype(np.float32) / 255.0)
    y = torch.from_numpy(y.astype(np.int64))
    sizes = [int(s) for s in a.layers.split("-")]
    mods = []
    for i in range(1, len(sizes)):
        mods.append(torch.nn.Linear(sizes[i - 1], sizes[i], bias=False))
        if i + 1 < len(sizes):
            mods += [torch.nn.ReLU(), torch.nn.Dropout(0.5)]
    net = torch.nn.Sequential(*mods)
    if a.optimiser == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        net.train()
        perm = torch.randperm(x.shape[0])
        total = 0.0
        for s in range(0, x.shape[0], a.batch):
            idx = perm[s:s + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item()
        times.append(time.perf_counter() - t0)
        print(f"epoch {epoch + 1}: {times[-1]:.3f} s (loss {total / ((x.shape[0] + a.batch - 1) // a.batch):.4f})")
    print(f"pytorch {torch.__version__}: fashion-mnist {a.layers} batch {a.batch}, {a.threads} threads: "
          f"{sum(times) / len(times):.3f} s/epoch (mean of {len(times)}), best {min(times):.3f} s, "
          f"{x.shape[0]} images")


if __name__ == "__main__":
    main()
