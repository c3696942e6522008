#!/usr/bin/python3
"""Writes the ONNX test fixtures of `xbarsim import` into a directory, with reference outputs.

Usage: /usr/bin/python3 tools/make_onnx_fixtures.py OUT_DIR
       /usr/bin/python3 tools/make_onnx_fixtures.py --export MODEL_DIR OUT.onnx

The second form writes a trained xbarsim model (manifest.yaml + .npy) as the ONNX graph PyTorch's
exporter makes of the same network in eval mode (Conv, BatchNormalization, Relu,
AveragePool/MaxPool, Flatten, Gemm with transB = 1, a residual block's two branches joined by Add,
dropout dropped, "/layers.K/Op" and "/layers.K/main.J/Op" node names): a model with real trained
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
  vgg.onnx          a tiny VGG as torch.onnx.export writes a VGG with batch norm (training mode
                    preserved, so BatchNormalization nodes stay): [Conv(pad 1, bias) ->
                    BatchNormalization -> Relu] blocks, AveragePool 2, Flatten, Gemm -> Relu -> Gemm
  fork.onnx, bn_after_relu.onnx  graphs the importer must refuse: two branches that never join,
                    and a batch norm with no Conv before it
  resnet.onnx       a tiny CIFAR-style ResNet in torchvision's BasicBlock form: Conv -> BN -> Relu,
                    an identity block and a stride-2 block with a 1x1 Conv + BN downsample, each
                    joined by Add -> Relu, GlobalAveragePool, Flatten, Gemm; nodes named as the
                    exporter names them ("/layer1/layer1.0/conv1/Conv")

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


def batchnorm(x, gamma, beta, mean, var, eps=1e-5):
    # BatchNormalization in inference mode (ONNX operator documentation).
    shape = (1, -1, 1, 1)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape).astype(np.float64) + eps)
            * gamma.reshape(shape) + beta.reshape(shape))


def bn_params(rng, prefix, c):
    # PyTorch's BatchNorm2d state, as initialisers: weight, bias, running_mean, running_var.
    p = {"weight": rng.uniform(0.5, 1.5, c), "bias": rng.uniform(-0.3, 0.3, c),
         "running_mean": rng.uniform(-0.2, 0.4, c), "running_var": rng.uniform(0.3, 2.0, c)}
    return {k: v.astype(np.float32) for k, v in p.items()}, \
        [tensor("%s.%s" % (prefix, k), v.astype(np.float32)) for k, v in p.items()]


def bn_node(prefix, node_name, x, y):
    return helper.make_node(
        "BatchNormalization",
        [x] + ["%s.%s" % (prefix, k) for k in ("weight", "bias", "running_mean", "running_var")],
        [y], name=node_name, epsilon=1e-5, momentum=0.9)


def bn_apply(x, p):
    return batchnorm(x, p["weight"], p["bias"], p["running_mean"], p["running_var"])


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


def vgg(out, rng):
    c, h, w = 3, 16, 16
    plan = [4, "M", 8, 8, "M", "M"]  # 3x16x16 -> 4x8x8 -> 8x8x8 -> 8x4x4 -> 8x2x2
    nodes, inits = [], []
    x = rng.uniform(0, 1, (8, c * h * w)).astype(np.float32)
    a = x.reshape(8, c, h, w).astype(np.float64)
    cur, cin, k = "input", c, 0
    for item in plan:
        if item == "M":
            name = "/features/features.%d/AveragePool" % k
            nodes.append(helper.make_node("AveragePool", [cur], [name + "_output_0"], name=name,
                                          kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0],
                                          ceil_mode=0))
            a = pool2d(a, 2, "avg")
            cur, k = name + "_output_0", k + 1
            continue
        wk = rng.uniform(-0.4, 0.4, (item, cin, 3, 3)).astype(np.float32)
        bk = rng.uniform(-0.1, 0.1, item).astype(np.float32)
        inits += [tensor("features.%d.weight" % k, wk), tensor("features.%d.bias" % k, bk)]
        conv = "/features/features.%d/Conv" % k
        nodes.append(helper.make_node(
            "Conv", [cur, "features.%d.weight" % k, "features.%d.bias" % k], [conv + "_output_0"],
            name=conv, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1],
            group=1))
        bp, bt = bn_params(rng, "features.%d" % (k + 1), item)
        inits += bt
        bn = "/features/features.%d/BatchNormalization" % (k + 1)
        nodes.append(bn_node("features.%d" % (k + 1), bn, conv + "_output_0", bn + "_output_0"))
        rl = "/features/features.%d/Relu" % (k + 2)
        nodes.append(helper.make_node("Relu", [bn + "_output_0"], [rl + "_output_0"], name=rl))
        a = relu(bn_apply(conv2d(a, wk, bk, 1, 1), bp))
        cur, cin, k = rl + "_output_0", item, k + 3
    nodes.append(helper.make_node("Flatten", [cur], ["/Flatten_output_0"], name="/Flatten", axis=1))
    w1 = rng.uniform(-0.4, 0.4, (10, 32)).astype(np.float32)
    b1 = rng.uniform(-0.1, 0.1, 10).astype(np.float32)
    w2 = rng.uniform(-0.4, 0.4, (5, 10)).astype(np.float32)
    b2 = rng.uniform(-0.1, 0.1, 5).astype(np.float32)
    inits += [tensor("classifier.0.weight", w1), tensor("classifier.0.bias", b1),
              tensor("classifier.2.weight", w2), tensor("classifier.2.bias", b2)]
    nodes += [
        helper.make_node("Gemm", ["/Flatten_output_0", "classifier.0.weight", "classifier.0.bias"],
                         ["/classifier/classifier.0/Gemm_output_0"],
                         name="/classifier/classifier.0/Gemm", alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Relu", ["/classifier/classifier.0/Gemm_output_0"],
                         ["/classifier/classifier.1/Relu_output_0"],
                         name="/classifier/classifier.1/Relu"),
        helper.make_node("Gemm", ["/classifier/classifier.1/Relu_output_0", "classifier.2.weight",
                                  "classifier.2.bias"], ["output"],
                         name="/classifier/classifier.2/Gemm", alpha=1.0, beta=1.0, transB=1)]
    graph = helper.make_graph(
        nodes, "vgg",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, w])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 5])], inits)
    y = relu(a.reshape(8, -1) @ w1.T + b1) @ w2.T + b2
    save(out, "vgg", graph, x, y)


def resnet(out, rng):
    c, h, w = 1, 8, 8
    nodes, inits = [], []

    def conv(prefix, node, x, cin, cout, k, stride, pad):
        wk = rng.uniform(-0.5, 0.5, (cout, cin, k, k)).astype(np.float32)
        inits.append(tensor(prefix + ".weight", wk))
        nodes.append(helper.make_node("Conv", [x, prefix + ".weight"], [node + "_output_0"],
                                      name=node, kernel_shape=[k, k], pads=[pad] * 4,
                                      strides=[stride, stride], dilations=[1, 1], group=1))
        return node + "_output_0", lambda a: conv2d(a, wk, None, stride, pad)

    def bn(prefix, node, x, ch):
        p, t = bn_params(rng, prefix, ch)
        inits.extend(t)
        nodes.append(bn_node(prefix, node, x, node + "_output_0"))
        return node + "_output_0", lambda a: bn_apply(a, p)

    def relu_node(node, x):
        nodes.append(helper.make_node("Relu", [x], [node + "_output_0"], name=node))
        return node + "_output_0"

    def block(layer, x, cin, cout, stride):
        p = "layer%d.0" % layer
        n = "/layer%d/layer%d.0/" % (layer, layer)
        t, f1 = conv(p + ".conv1", n + "conv1/Conv", x, cin, cout, 3, stride, 1)
        t, f2 = bn(p + ".bn1", n + "bn1/BatchNormalization", t, cout)
        t = relu_node(n + "relu/Relu", t)
        t, f3 = conv(p + ".conv2", n + "conv2/Conv", t, cout, cout, 3, 1, 1)
        t, f4 = bn(p + ".bn2", n + "bn2/BatchNormalization", t, cout)
        shortcut = x
        fs = lambda a: a  # noqa: E731
        if stride != 1 or cin != cout:
            s, g1 = conv(p + ".downsample.0", n + "downsample/downsample.0/Conv", x, cin, cout, 1,
                         stride, 0)
            shortcut, g2 = bn(p + ".downsample.1", n + "downsample/downsample.1/BatchNormalization",
                              s, cout)
            fs = lambda a: g2(g1(a))  # noqa: E731
        nodes.append(helper.make_node("Add", [t, shortcut], [n + "Add_output_0"], name=n + "Add"))
        t = relu_node(n + "relu_1/Relu", n + "Add_output_0")
        return t, lambda a: relu(f4(f3(relu(f2(f1(a))))) + fs(a))

    t, s1 = conv("conv1", "/conv1/Conv", "input", c, 4, 3, 1, 1)
    t, s2 = bn("bn1", "/bn1/BatchNormalization", t, 4)
    t = relu_node("/relu/Relu", t)
    t, b1 = block(1, t, 4, 4, 1)
    t, b2 = block(2, t, 4, 6, 2)
    nodes.append(helper.make_node("GlobalAveragePool", [t], ["/avgpool/GlobalAveragePool_output_0"],
                                  name="/avgpool/GlobalAveragePool"))
    nodes.append(helper.make_node("Flatten", ["/avgpool/GlobalAveragePool_output_0"],
                                  ["/Flatten_output_0"], name="/Flatten", axis=1))
    wf = rng.uniform(-0.5, 0.5, (3, 6)).astype(np.float32)
    bf = rng.uniform(-0.1, 0.1, 3).astype(np.float32)
    inits += [tensor("fc.weight", wf), tensor("fc.bias", bf)]
    nodes.append(helper.make_node("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"],
                                  ["output"], name="/fc/Gemm", alpha=1.0, beta=1.0, transB=1))
    graph = helper.make_graph(
        nodes, "resnet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, w])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3])], inits)
    x = rng.uniform(0, 1, (8, c * h * w)).astype(np.float32)
    a = b2(b1(relu(s2(s1(x.reshape(8, c, h, w).astype(np.float64))))))
    y = a.mean(axis=(2, 3)) @ wf.T + bf
    save(out, "resnet", graph, x, y)


def bad_graphs(out, rng):
    # fork.onnx: two branches that never join (two outputs); bn_after_relu.onnx: a batch norm with
    # no Conv to fold into. Both must be refused with the node named.
    nodes = [helper.make_node("Relu", ["input"], ["a"], name="left"),
             helper.make_node("Relu", ["input"], ["b"], name="right")]
    graph = helper.make_graph(
        nodes, "fork", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "fork.onnx"))
    _, t = bn_params(rng, "bn", 2)
    nodes = [helper.make_node("Relu", ["input"], ["r"], name="relu"),
             bn_node("bn", "norm", "r", "output")]
    graph = helper.make_graph(
        nodes, "bn_after_relu",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 2, 3, 3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 2, 3, 3])], t)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "bn_after_relu.onnx"))


def export(model_dir, out_file):
    import yaml
    with open(os.path.join(model_dir, "manifest.yaml")) as f:
        m = yaml.safe_load(f)
    shape = m["input"]
    dims = [shape["channels"], shape["height"], shape["width"]]
    image = dims[0] > 1 or dims[1] > 1
    nodes, inits = [], []

    def load(name):
        return np.load(os.path.join(model_dir, name))

    def weights(layer):
        w = load(layer["weights"])
        if "mask" in layer:
            w = w * load(layer["mask"])
        return w.astype(np.float32)

    def emit(layers, cur, path, param):
        # path: node-name prefix ("/layers.3/main.0"); param: initialiser prefix ("layers.3.main.0")
        for k, layer in enumerate(layers):
            t = layer["type"]
            name, key = "%s.%d/" % (path, k), "%s.%d" % (param, k)
            out = name + "output_0"
            if t == "conv":
                c, kk = layer["in_channels"], layer["kernel"]
                inits.append(tensor(key + ".weight", weights(layer).reshape(
                    layer["out_channels"], c, kk, kk)))
                ins = [cur, key + ".weight"]
                if "bias" in layer:
                    inits.append(tensor(key + ".bias", load(layer["bias"]).reshape(-1)))
                    ins.append(key + ".bias")
                p, st = layer["padding"], layer["stride"]
                nodes.append(helper.make_node("Conv", ins, [out], name=name + "Conv",
                                              kernel_shape=[kk, kk], pads=[p, p, p, p],
                                              strides=[st, st], dilations=[1, 1], group=1))
            elif t == "dense":
                inits.append(tensor(key + ".weight", weights(layer)))
                ins = [cur, key + ".weight"]
                if "bias" in layer:
                    inits.append(tensor(key + ".bias", load(layer["bias"]).reshape(-1)))
                    ins.append(key + ".bias")
                nodes.append(helper.make_node("Gemm", ins, [out], name=name + "Gemm", alpha=1.0,
                                              beta=1.0, transB=1))
            elif t == "batchnorm":
                ins = [cur]
                for a in ("weight", "bias", "running_mean", "running_var"):
                    inits.append(tensor("%s.%s" % (key, a),
                                        load(layer[a]).reshape(-1).astype(np.float32)))
                    ins.append("%s.%s" % (key, a))
                nodes.append(helper.make_node("BatchNormalization", ins, [out],
                                              name=name + "BatchNormalization",
                                              epsilon=float(layer["eps"]),
                                              momentum=1.0 - float(layer["momentum"])))
            elif t == "residual":
                main_out = emit(layer["main"], cur, name + "main", key + ".main")
                short_out = emit(layer["shortcut"], cur, name + "shortcut", key + ".shortcut")
                nodes.append(helper.make_node("Add", [main_out, short_out], [out],
                                              name=name + "Add"))
            elif t == "relu":
                nodes.append(helper.make_node("Relu", [cur], [out], name=name + "Relu"))
            elif t in ("avgpool", "maxpool"):
                kk, st = layer["kernel"], layer["stride"]
                op = "AveragePool" if t == "avgpool" else "MaxPool"
                nodes.append(helper.make_node(op, [cur], [out], name=name + op,
                                              kernel_shape=[kk, kk], strides=[st, st],
                                              pads=[0, 0, 0, 0], ceil_mode=0))
            elif t == "flatten":
                nodes.append(helper.make_node("Flatten", [cur], [out], name=name + "Flatten",
                                              axis=1))
            elif t == "dropout":
                continue  # eval-mode export drops it
            else:
                sys.exit("cannot export layer type " + t)
            cur = out
        return cur

    last = emit(m["layers"], "input", "/layers", "layers")
    # The graph output is the last node's output under the name "output".
    for n in nodes:
        for i, x in enumerate(n.input):
            if x == last:
                n.input[i] = "output"
    for n in nodes:
        if n.output[0] == last:
            n.output[0] = "output"
    graph = helper.make_graph(
        nodes, os.path.basename(os.path.normpath(model_dir)),
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["batch"] + (dims if image else [dims[2]]))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", None])],
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
    vgg(out, rng)
    resnet(out, rng)
    bad_graphs(out, rng)
    print("wrote mlp, cnn, snn_cnn, unsupported, vgg, resnet, fork and bn_after_relu fixtures to",
          out)


if __name__ == "__main__":
    main()
