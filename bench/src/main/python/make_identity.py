#!/usr/bin/env python3
"""Writes the identity model of the engine-overhead benchmark (EngineOverheadBenchmark).

One Identity node from input "x" [1, n] float32 to output "y" [1, n], so that a run measures
only what the runtime and its Java binding cost per call. Tool versions are pinned in the
sidecar; run from the repository root:  /usr/bin/python3 bench/src/main/python/make_identity.py
"""
import json
import os

import onnx
from onnx import TensorProto, helper

OUT = "bench/src/main/resources/dev/stapes/bench/jmh/identity.onnx"

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "n"])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "n"])
graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="stapes-bench")
model.ir_version = 7
onnx.checker.check_model(model)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
onnx.save(model, OUT)
with open(OUT + ".json", "w") as f:
    json.dump(
        {
            "model": "identity.onnx",
            "inputs": {"x": {"dtype": "float32", "shape": [1, "n"]}},
            "outputs": {"y": {"dtype": "float32", "shape": [1, "n"]}},
            "opset": 13,
            "ir_version": 7,
            "tools": {"onnx": onnx.__version__},
            "script": "bench/src/main/python/make_identity.py",
        },
        f,
        indent=2,
    )
    f.write("\n")
print("wrote", OUT)
