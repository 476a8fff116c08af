#!/usr/bin/env python3
"""Tiny ONNX models for the bad-input tests of the GTCRN pipeline (not GTCRN itself):

- identity_x_y.onnx: one Identity from 'x' [1, 4] to 'y' (a valid model with other names);
- gtcrn_short_conv_cache.onnx: GTCRN's inputs and outputs (Identity each) but with conv_cache
  [2, 1, 16, 16, 32] instead of [2, 1, 16, 16, 33].

Usage: make_bad_models.py OUT_DIR      (onnx 1.12, Debian's /usr/bin/python3)
"""
import json
import os
import sys

import onnx
from onnx import TensorProto, helper

SHAPES = {
    "mix": [1, 257, 1, 2],
    "conv_cache": [2, 1, 16, 16, 33],
    "tra_cache": [2, 3, 1, 1, 16],
    "inter_cache": [2, 1, 33, 16],
}
OUT = {"mix": "enh", "conv_cache": "conv_cache_out", "tra_cache": "tra_cache_out",
       "inter_cache": "inter_cache_out"}


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)],
                              producer_name="stapes-test")
    model.ir_version = 6
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    g = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    save(g, os.path.join(out_dir, "identity_x_y.onnx"))

    shapes = dict(SHAPES, conv_cache=[2, 1, 16, 16, 32])
    nodes = [helper.make_node("Identity", [i], [OUT[i]]) for i in shapes]
    g = helper.make_graph(
        nodes, "gtcrn_short_conv_cache",
        [helper.make_tensor_value_info(i, TensorProto.FLOAT, s) for i, s in shapes.items()],
        [helper.make_tensor_value_info(OUT[i], TensorProto.FLOAT, s) for i, s in shapes.items()])
    save(g, os.path.join(out_dir, "gtcrn_short_conv_cache.onnx"))

    with open(os.path.join(out_dir, "bad_models.json"), "w") as f:
        json.dump({"files": ["identity_x_y.onnx", "gtcrn_short_conv_cache.onnx"],
                   "onnx": onnx.__version__, "opset": 11, "ir_version": 6,
                   "script": "models/src/test/python/make_bad_models.py"}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
