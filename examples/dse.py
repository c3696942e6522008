#!/usr/bin/python3
"""Design-space exploration from Python: the default example (784-500-500-10 MNIST, its original
dense network) on the RESPARC-like chip with crossbars of 16x16 ... 256x256, each point a full
cycle-level run in the same Python process, then energy per image against chip area.

    PYTHONPATH=build/python /usr/bin/python3 examples/dse.py [--images 20] [--out out/dse.png]

(the model is trained on first use and cached in out/models/mnist-500, as `xbarsim run` does).
"""
import argparse
import os

import xbarsim

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=20, help="test images per point")
    ap.add_argument("--sizes", default="16,32,64,128,256", help="crossbar sizes")
    ap.add_argument("--out", default="out/dse.png", help="where the plot goes")
    args = ap.parse_args()
    experiment = os.path.join(HERE, "configs/examples/mnist-500.yaml")
    points = []
    for size in [int(s) for s in args.sizes.split(",")]:
        r = xbarsim.run(experiment, images=args.images, out=f"out/dse/{size}",
                        set={"compile.flow": "dense", "arch.crossbar.rows": size,
                             "arch.crossbar.columns": size})
        points.append((size, r["area"]["chip_mm2"], r["energy"]["per_image_pj"] / 1e3,
                       r["latency"]["cycles_per_image"], r["accuracy"]))
        print(f"{size:4d}x{size:<4d} area {points[-1][1]:8.2f} mm^2  energy {points[-1][2]:9.1f} nJ"
              f"  cycles {points[-1][3]:8.0f}  accuracy {100 * points[-1][4]:5.1f} %", flush=True)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([p[1] for p in points], [p[2] for p in points], "o-")
    for size, a, e, _, _ in points:
        ax.annotate(f"{size}x{size}", (a, e), textcoords="offset points", xytext=(5, 5))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chip area (mm$^2$)")
    ax.set_ylabel("energy per image (nJ)")
    ax.set_title("mnist-500 (dense) on resparc-64: crossbar size")
    fig.tight_layout()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print("plot:", args.out)


if __name__ == "__main__":
    main()
