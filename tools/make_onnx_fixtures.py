#!/usr/bin/python3
"""Writes the ONNX test fixtures of `xbarsim import` into a directory, with reference outputs.

Usage: /usr/bin/python3 tools/make_onnx_fixtures.py OUT_DIR
       /usr/bin/python3 tools/make_onnx_fixtures.py --export MODEL_DIR OUT.onnx

The second form writes a trained xbarsim model (manifest.yaml + .npy) as the ONNX graph PyTorch's
exporter makes of the same nn.Sequential in eval mode (Conv, Relu, AveragePool/MaxPool, Flatten,
Gemm with transB = 1, dropout dropped, "/layers.K/Op" node names): a model with real trained
weights to import and simulate (README, "ONNX import").

Needs Debian's python3-onnx and python3-numpy (the default python3 of the project's toolchain may
lack them, hence /usr/bin/python3). Models are built with onnx.helper the way PyTorch's exporter
writes them (opset 13), with random weights from a fixed numpy seed:

  mlp.onnx          Gemm(transB=1, bias) -> Relu -> MatMul -> Add -> Relu -> Gemm(transB=0)
                    a PyTorch nn.Linear stack (Gemm) and the MatMul + Add form other exporters use
  cnn.onnx          Conv(pad 1, bias) -> Relu -> AveragePool 2 -> Conv(stride 2) -> Relu ->
                    MaxPool 2 -> Flatten -> Gemm -> Relu -> Reshape -> Gemm
  snn_cnn.onnx      bias-free Conv -> Relu -> AveragePool -> Flatten -> Gemm -> Relu -> Gemm:
                    a CNN the ANN->SNN conversion accepts (no bias, average pooling)
  unsupported.onnx  an MLP with Sigmoid and Softmax nodes (the importer must name both)

For every model M it writes M_inputs.npy (8 samples in [0, 1], float32, samples x features,
channel-major) and M_outputs.npy: the outputs computed here with numpy from the same weights.
onnx 1.12 has no onnx.reference.ReferenceEvaluator (it came with 1.13); the numpy code below
implements the operators' definitions from the ONNX operator documentation instead, and when a
newer onnx is present the script checks its numpy results against the reference evaluator.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def tensor(name, array):
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def conv2d(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    co, ci, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho = (h + 2 * pad - k) // stride + 1
    wo = (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, co, ho, wo), dtype=np.float64)
    for oy in range(ho):
        for ox in range(wo):
            patch = xp[:, :, oy * stride:oy * stride + k, ox * stride:ox * stride + k]
            y[:, :, oy, ox] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        y += b.reshape(1, co, 1, 1)
    return y


def pool2d(x, k, mode):
    n, c, h, w = x.shape
    ho, wo = h // k, w // k
    v = x[:, :, :ho * k, :wo * k].reshape(n, c, ho, k, wo, k)
    return v.mean(axis=(3, 5)) if mode == "avg" else v.max(axis=(3, 5))


def relu(x):
    return np.maximum(x, 0)


def save(out, name, graph, inputs, outputs):
    model = helper.make_model(graph, producer_name="xbarsim make_onnx_fixtures.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))
    np.save(os.path.join(out, name + "_inputs.npy"), inputs.astype(np.float32))
    np.save(os.path.join(out, name + "_outputs.npy"), outputs.astype(np.float32))
    try:  # onnx >= 1.13 only
        from onnx.reference import ReferenceEvaluator
        ref = ReferenceEvaluator(model).run(None, {"input": reference_input(model, inputs)})[0]
        assert np.allclose(ref.reshape(outputs.shape), outputs, atol=1e-4), name
    except ImportError:
        pass


def reference_input(model, inputs):
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    return inputs.reshape([inputs.shape[0]] + dims[1:]).astype(np.float32)


def mlp(out, rng):
    n_in, h1, h2, n_out = 20, 16, 12, 5
    w1 = rng.uniform(-0.5, 0.5, (h1, n_in)).astype(np.float32)   # Gemm transB=1: out x in
    b1 = rng.uniform(-0.1, 0.1, h1).astype(np.float32)
    w2 = rng.uniform(-0.5, 0.5, (h1, h2)).astype(np.float32)     # MatMul: in x out
    b2 = rng.uniform(-0.1, 0.1, h2).astype(np.float32)
    w3 = rng.uniform(-0.5, 0.5, (h2, n_out)).astype(np.float32)  # Gemm transB=0: in x out
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h1"], name="fc1",
                         transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("MatMul", ["a1", "fc2.weight"], ["h2"], name="fc2"),
        helper.make_node("Add", ["h2", "fc2.bias"], ["h2b"], name="fc2_bias"),
        helper.make_node("Relu", ["h2b"], ["a2"], name="relu2"),
        helper.make_node("Gemm", ["a2", "fc3.weight"], ["output"], name="fc3"),
    ]
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", n_in])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", n_out])],
        [tensor("fc1.weight", w1), tensor("fc1.bias", b1), tensor("fc2.weight", w2),
         tensor("fc2.bias", b2), tensor("fc3.weight", w3)])
    x = rng.uniform(0, 1, (8, n_in)).astype(np.float32)
    y = relu(relu(x @ w1.T + b1) @ w2 + b2) @ w3
    save(out, "mlp", graph, x, y)


def cnn(out, rng):
    c, h, w = 2, 10, 10
    k1 = rng.uniform(-0.4, 0.4, (4, c, 3, 3)).astype(np.float32)
    b1 = rng.uniform(-0.1, 0.1, 4).astype(np.float32)
    k2 = rng.uniform(-0.4, 0.4, (6, 4, 3, 3)).astype(np.float32)
    # conv1 pad 1: 4x10x10 -> avg 2: 4x5x5 -> conv2 stride 2: 6x2x2 -> max 2: 6x1x1 -> 6
    wf = rng.uniform(-0.5, 0.5, (8, 6)).astype(np.float32)
    bf = rng.uniform(-0.1, 0.1, 8).astype(np.float32)
    wo = rng.uniform(-0.5, 0.5, (3, 8)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.weight"], ["c2"], name="conv2",
                         kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc1.weight", "fc1.bias"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["hr"], name="relu3"),
        helper.make_node("Reshape", ["hr", "shape"], ["hf"], name="reshape"),
        helper.make_node("Gemm", ["hf", "fc2.weight"], ["output"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, w])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3])],
        [tensor("conv1.weight", k1), tensor("conv1.bias", b1), tensor("conv2.weight", k2),
         tensor("fc1.weight", wf), tensor("fc1.bias", bf), tensor("fc2.weight", wo),
         tensor("shape", np.array([-1, 8], dtype=np.int64))])
    x = rng.uniform(0, 1, (8, c * h * w)).astype(np.float32)
    a = relu(conv2d(x.reshape(8, c, h, w).astype(np.float64), k1, b1, 1, 1))
    a = pool2d(a, 2, "avg")
    a = relu(conv2d(a, k2, None, 2, 0))
    a = pool2d(a, 2, "max").reshape(8, -1)
    y = relu(a @ wf.T + bf) @ wo.T
    save(out, "cnn", graph, x, y)


def snn_cnn(out, rng):
    k1 = rng.uniform(0.0, 0.3, (3, 1, 3, 3)).astype(np.float32)
    k1[:, :, 1, 1] = -0.2
    wf = rng.uniform(-0.3, 0.5, (10, 27)).astype(np.float32)
    wo = rng.uniform(-0.5, 0.5, (4, 10)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight"], ["c1"], name="conv1",
                         kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p1"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc1.weight"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["hr"], name="relu2"),
        helper.make_node("Gemm", ["hr", "fc2.weight"], ["output"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "snn_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 4])],
        [tensor("conv1.weight", k1), tensor("fc1.weight", wf), tensor("fc2.weight", wo)])
    x = rng.uniform(0, 1, (8, 64)).astype(np.float32)
    a = pool2d(relu(conv2d(x.reshape(8, 1, 8, 8).astype(np.float64), k1, None, 1, 0)), 2, "avg")
    y = relu(a.reshape(8, -1) @ wf.T) @ wo.T
    save(out, "snn_cnn", graph, x, y)


def unsupported(out, rng):
    w1 = rng.uniform(-0.5, 0.5, (6, 4)).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["input", "w1"], ["h"], name="fc1", transB=1),
        helper.make_node("Sigmoid", ["h"], ["s"], name="act1"),
        helper.make_node("Softmax", ["s"], ["output"], name="prob", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "unsupported",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 6])],
        [tensor("w1", w1)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "unsupported.onnx"))


def export(model_dir, out_file):
    import yaml
    with open(os.path.join(model_dir, "manifest.yaml")) as f:
        m = yaml.safe_load(f)
    shape = m["input"]
    dims = [shape["channels"], shape["height"], shape["width"]]
    image = dims[0] > 1 or dims[1] > 1
    nodes, inits = [], []
    cur = "input"
    for k, layer in enumerate(m["layers"]):
        t = layer["type"]
        name = "/layers.%d/" % k
        out = "/layers.%d/output" % k
        if t == "conv":
            w = np.load(os.path.join(model_dir, layer["weights"]))
            if "mask" in layer:
                w = w * np.load(os.path.join(model_dir, layer["mask"]))
            c, kk = layer["in_channels"], layer["kernel"]
            inits.append(tensor("layers.%d.weight" % k,
                                w.reshape(layer["out_channels"], c, kk, kk).astype(np.float32)))
            ins = [cur, "layers.%d.weight" % k]
            if "bias" in layer:
                inits.append(tensor("layers.%d.bias" % k,
                                    np.load(os.path.join(model_dir, layer["bias"])).reshape(-1)))
                ins.append("layers.%d.bias" % k)
            p, st = layer["padding"], layer["stride"]
            nodes.append(helper.make_node("Conv", ins, [out], name=name + "Conv",
                                          kernel_shape=[kk, kk], pads=[p, p, p, p],
                                          strides=[st, st], dilations=[1, 1], group=1))
        elif t == "dense":
            w = np.load(os.path.join(model_dir, layer["weights"]))
            if "mask" in layer:
                w = w * np.load(os.path.join(model_dir, layer["mask"]))
            inits.append(tensor("layers.%d.weight" % k, w.astype(np.float32)))
            ins = [cur, "layers.%d.weight" % k]
            if "bias" in layer:
                inits.append(tensor("layers.%d.bias" % k,
                                    np.load(os.path.join(model_dir, layer["bias"])).reshape(-1)))
                ins.append("layers.%d.bias" % k)
            nodes.append(helper.make_node("Gemm", ins, [out], name=name + "Gemm", alpha=1.0,
                                          beta=1.0, transB=1))
        elif t == "relu":
            nodes.append(helper.make_node("Relu", [cur], [out], name=name + "Relu"))
        elif t in ("avgpool", "maxpool"):
            kk, st = layer["kernel"], layer["stride"]
            nodes.append(helper.make_node("AveragePool" if t == "avgpool" else "MaxPool", [cur],
                                          [out], name=name + ("AveragePool" if t == "avgpool"
                                                              else "MaxPool"),
                                          kernel_shape=[kk, kk], strides=[st, st],
                                          pads=[0, 0, 0, 0], ceil_mode=0))
        elif t == "flatten":
            nodes.append(helper.make_node("Flatten", [cur], [out], name=name + "Flatten", axis=1))
        elif t == "dropout":
            continue  # eval-mode export drops it
        else:
            sys.exit("cannot export layer type " + t)
        cur = out
    nodes[-1].output[0] = "output"
    n_out = None
    graph = helper.make_graph(
        nodes, os.path.basename(os.path.normpath(model_dir)),
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["batch"] + (dims if image else [dims[2]]))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", n_out])],
        inits)
    model = helper.make_model(graph, producer_name="pytorch-style export (make_onnx_fixtures.py)",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    onnx.save(model, out_file)
    print("wrote", out_file, "with", len(nodes), "nodes")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--export":
        export(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 2:
        sys.exit("usage: make_onnx_fixtures.py OUT_DIR | --export MODEL_DIR OUT.onnx")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2024)
    mlp(out, rng)
    cnn(out, rng)
    snn_cnn(out, rng)
    unsupported(out, rng)
    print("wrote mlp, cnn, snn_cnn and unsupported fixtures to", out)


if __name__ == "__main__":
    main()
