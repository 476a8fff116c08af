#!/usr/bin/env python3
"""Reference fixtures for Stapes' reader of ONNX Runtime adapter files (OrtAdapterFile).

Builds a tiny model laid out the way Microsoft Olive's ExtractAdapters leaves one (the LoRA weights
are graph inputs named after their initializers), writes adapter files with ONNX Runtime's own
writer (onnxruntime.AdapterFormat.export_adapter), and runs the model with each adapter through
ONNX Runtime (RunOptions.add_active_adapter) to record the expected outputs as .npy, with a JSON
sidecar naming shapes, tolerance and tool versions.

Pinned tools (a venv from the local mirrors, see /work/shared/FINDINGS.md "Tools"):
    python3 -m venv /tmp/ortvenv
    /tmp/ortvenv/bin/pip install onnxruntime==1.30.0 onnx==1.23.1 numpy==2.4.6
Run from the repository root:
    /tmp/ortvenv/bin/python engine/src/test/python/make_ort_adapter_fixtures.py [OUT_DIR]
Default OUT_DIR: engine/src/test/resources/ort_adapter
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

PINNED = {"onnxruntime": "1.30.0", "onnx": "1.23.1", "numpy": "2.4.6"}
OPSET = 17
IR_VERSION = 8
TOL = 1e-6
D_IN, RANK, D_OUT, BATCH = 4, 2, 3, 5
A = "q_proj.lora_A.MatMul.weight"
B = "q_proj.lora_B.MatMul.weight"


def check_versions():
    got = {"onnxruntime": ort.__version__, "onnx": onnx.__version__, "numpy": np.__version__}
    if got != PINNED:
        sys.exit(f"expected {PINNED}, found {got}")


def halves(rng, shape):
    """Random float32 values that float16 holds exactly, so a float16 copy decodes to them."""
    return rng.standard_normal(shape).astype(np.float16).astype(np.float32)


def model():
    """y = x @ W + (x @ A) @ B, with A and B graph inputs (Olive's ExtractAdapters layout)."""
    rng = np.random.default_rng(7)
    w = rng.standard_normal((D_IN, D_OUT)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "q_proj.weight"], ["base"], name="/q_proj/MatMul"),
        helper.make_node("MatMul", ["x", A], ["xa"], name="/q_proj/lora_A/MatMul"),
        helper.make_node("MatMul", ["xa", B], ["xab"], name="/q_proj/lora_B/MatMul"),
        helper.make_node("Add", ["base", "xab"], ["y"], name="/q_proj/Add"),
    ]
    graph = helper.make_graph(
        nodes,
        "olive-like-lora",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", D_IN]),
            helper.make_tensor_value_info(A, TensorProto.FLOAT, [D_IN, RANK]),
            helper.make_tensor_value_info(B, TensorProto.FLOAT, [RANK, D_OUT]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", D_OUT])],
        [numpy_helper.from_array(w, "q_proj.weight")],
    )
    m = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="stapes-tests"
    )
    m.ir_version = IR_VERSION
    onnx.checker.check_model(m)
    return m


def export(path, params, adapter_version=0, model_version=0):
    f = ort.AdapterFormat()
    f.set_adapter_version(adapter_version)
    f.set_model_version(model_version)
    f.set_parameters({k: ort.OrtValue.ortvalue_from_numpy(v) for k, v in params.items()})
    f.export_adapter(path)


def main():
    check_versions()
    out = sys.argv[1] if len(sys.argv) > 1 else "engine/src/test/resources/ort_adapter"
    os.makedirs(out, exist_ok=True)
    m = model()
    model_path = os.path.join(out, "olive_lora.onnx")
    onnx.save(m, model_path)

    rng = np.random.default_rng(11)
    adapters = {
        "de": {A: halves(rng, (D_IN, RANK)), B: halves(rng, (RANK, D_OUT))},
        "fr": {A: halves(rng, (D_IN, RANK)), B: halves(rng, (RANK, D_OUT))},
    }
    export(os.path.join(out, "de.onnx_adapter"), adapters["de"], 3, 7)
    export(os.path.join(out, "fr.onnx_adapter"), adapters["fr"])
    # The same values as "de", stored as float16: Stapes decodes them to float32.
    export(
        os.path.join(out, "de_float16.onnx_adapter"),
        {k: v.astype(np.float16) for k, v in adapters["de"].items()},
    )
    # A data type Stapes refuses (ONNX Runtime itself accepts any type).
    export(
        os.path.join(out, "int64.onnx_adapter"),
        {A: np.arange(D_IN * RANK, dtype=np.int64).reshape(D_IN, RANK)},
    )

    x = np.random.default_rng(13).standard_normal((BATCH, D_IN)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    expected = {}
    for name in adapters:
        ro = ort.RunOptions()
        path = os.path.join(out, name + ".onnx_adapter")
        lora = ort.LoraAdapter()
        lora.Load(path)
        ro.add_active_adapter(lora)
        # The Python wrapper's run() wants every graph input in the feed; the core run, like ORT
        # Java's, takes the missing ones from the active adapters.
        (y,) = sess._sess.run(["y"], {"x": x}, ro)
        p = adapters[name]
        direct = x @ numpy_helper.to_array(m.graph.initializer[0]) + (x @ p[A]) @ p[B]
        if not np.allclose(y, direct, rtol=0, atol=1e-5):
            sys.exit(f"{name}: ONNX Runtime's output differs from numpy's")
        np.save(os.path.join(out, f"y.{name}.npy"), y)
        expected[name] = f"y.{name}.npy"

    readback = ort.AdapterFormat.read_adapter(os.path.join(out, "de.onnx_adapter"))
    sidecar = {
        "generator": "engine/src/test/python/make_ort_adapter_fixtures.py",
        "tools": PINNED,
        "opset": OPSET,
        "ir_version": IR_VERSION,
        "format_version": readback.get_format_version(),
        "tolerance": TOL,
        "model": "olive_lora.onnx",
        "input": {"name": "x", "file": "x.npy", "shape": [BATCH, D_IN]},
        "output": "y",
        "parameters": {A: [D_IN, RANK], B: [RANK, D_OUT]},
        "adapters": {
            "de": {"file": "de.onnx_adapter", "adapter_version": 3, "model_version": 7},
            "fr": {"file": "fr.onnx_adapter", "adapter_version": 0, "model_version": 0},
            "de_float16": {"file": "de_float16.onnx_adapter", "same_values_as": "de"},
            "int64": {"file": "int64.onnx_adapter", "data_type": "INT64"},
        },
        "expected": expected,
        "semantics": "y = x @ q_proj.weight + (x @ lora_A) @ lora_B; expected outputs are ONNX"
        " Runtime's run of the model with the adapter active",
    }
    with open(os.path.join(out, "fixtures.json"), "w") as f:
        json.dump(sidecar, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
