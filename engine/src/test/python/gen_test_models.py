#!/usr/bin/python3
"""Writes the tiny ONNX models of the engine tests (onnx 1.12, numpy 1.24, Debian's python3).

Run from the repository root:
    /usr/bin/python3 engine/src/test/python/gen_test_models.py
The models are ours, a few hundred bytes each, and committed as test resources.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = "engine/src/test/resources/dev/stapes/engine/models"
os.makedirs(OUT, exist_ok=True)
OPSET = [helper.make_opsetid("", 13)]
written = {}


def save(name, graph, meta=None, doc=""):
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="stapes-tests")
    model.ir_version = 8
    model.doc_string = doc
    for k, v in (meta or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(model, path)
    written[name] = doc


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


# identity: y = x, x float32[1, n]
save("identity", helper.make_graph(
    [helper.make_node("Identity", ["x"], ["y"])], "identity",
    [vi("x", TensorProto.FLOAT, [1, "n"])], [vi("y", TensorProto.FLOAT, [1, "n"])]),
    doc="y = x")

# accumulator: y = state_out = x + state, all float32[1, 4]; declares its stream in metadata
save("accumulator", helper.make_graph(
    [helper.make_node("Add", ["x", "state"], ["sum"]),
     helper.make_node("Identity", ["sum"], ["y"]),
     helper.make_node("Identity", ["sum"], ["state_out"])], "accumulator",
    [vi("x", TensorProto.FLOAT, [1, 4]), vi("state", TensorProto.FLOAT, [1, 4])],
    [vi("y", TensorProto.FLOAT, [1, 4]), vi("state_out", TensorProto.FLOAT, [1, 4])]),
    meta={"stapes.audio_input": "x", "stapes.chunk_samples": "4",
          "stapes.state": "state<-state_out", "stapes.outputs": "y",
          "stapes.sample_rate": "16000"},
    doc="y = state_out = x + state (running sum per position)")

# context: window = audio (float32[1, t], t symbolic), energy = sum(audio * gain) [1],
# count = state + 1 (int64 state [1]), rate = float(sr) (int64 scalar constant)
save("context", helper.make_graph(
    [helper.make_node("Identity", ["audio"], ["window"]),
     helper.make_node("Mul", ["audio", "gain"], ["scaled"]),
     helper.make_node("ReduceSum", ["scaled"], ["energy"], keepdims=0),
     helper.make_node("Add", ["count", "one"], ["count_out"]),
     helper.make_node("Cast", ["sr"], ["rate"], to=TensorProto.FLOAT)], "context",
    [vi("audio", TensorProto.FLOAT, [1, "t"]), vi("sr", TensorProto.INT64, []),
     vi("gain", TensorProto.FLOAT, [1]), vi("count", TensorProto.INT64, [1])],
    [vi("window", TensorProto.FLOAT, [1, "t"]), vi("energy", TensorProto.FLOAT, []),
     vi("count_out", TensorProto.INT64, [1]), vi("rate", TensorProto.FLOAT, [])],
    [numpy_helper.from_array(np.array([1], dtype=np.int64), "one")]),
    meta={"stapes.audio_input": "audio", "stapes.chunk_samples": "5",
          "stapes.context_samples": "3", "stapes.state": "count<-count_out",
          "stapes.constant.sr": "int64:16000", "stapes.scale": "int16"},
    doc="window = audio; energy = sum(audio*gain); count_out = count + 1; rate = float(sr)")

# bound_shape: y = sum(audio) * 3 ([1]), task_out = task * 2 (float32[k], k symbolic): a bound
# input whose shape decides an output's shape
save("bound_shape", helper.make_graph(
    [helper.make_node("ReduceSum", ["audio"], ["s"], keepdims=0),
     helper.make_node("Mul", ["s", "three"], ["y"]),
     helper.make_node("Mul", ["task", "two"], ["task_out"])], "bound_shape",
    [vi("audio", TensorProto.FLOAT, [1, "t"]), vi("task", TensorProto.FLOAT, ["k"])],
    [vi("y", TensorProto.FLOAT, []), vi("task_out", TensorProto.FLOAT, ["k"])],
    [numpy_helper.from_array(np.array(3, dtype=np.float32), "three"),
     numpy_helper.from_array(np.array(2, dtype=np.float32), "two")]),
    doc="y = 3 * sum(audio); task_out = 2 * task")

# all_types: y_T = x_T for every element type ORT Java handles, shapes [2, 3]
types = {"float": TensorProto.FLOAT, "double": TensorProto.DOUBLE,
         "float16": TensorProto.FLOAT16, "bfloat16": TensorProto.BFLOAT16,
         "int8": TensorProto.INT8, "int16": TensorProto.INT16, "int32": TensorProto.INT32,
         "int64": TensorProto.INT64, "uint8": TensorProto.UINT8, "bool": TensorProto.BOOL,
         "string": TensorProto.STRING}
save("all_types", helper.make_graph(
    [helper.make_node("Identity", ["x_" + t], ["y_" + t]) for t in types], "all_types",
    [vi("x_" + t, e, [2, 3]) for t, e in types.items()],
    [vi("y_" + t, e, [2, 3]) for t, e in types.items()]),
    doc="y_T = x_T for each element type")


def external_model(name, location):
    w = TensorProto()
    w.name = "w"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([4])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        e = w.external_data.add()
        e.key, e.value = k, v
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])], name,
        [vi("x", TensorProto.FLOAT, [4])], [vi("y", TensorProto.FLOAT, [4])], [w])
    model = helper.make_model(graph, opset_imports=OPSET, producer_name="stapes-tests")
    model.ir_version = 8
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())
    written[name] = "y = x + w, w external at " + location


external_model("external_ok", "weights.bin")
external_model("external_dotdot", "../weights.bin")
external_model("external_absolute", "/etc/passwd")
external_model("external_nested_dotdot", "sub/../../weights.bin")
np.array([1, 2, 3, 4], dtype="<f4").tofile(os.path.join(OUT, "weights.bin"))

with open(os.path.join(OUT, "models.json"), "w") as f:
    json.dump({"generator": "engine/src/test/python/gen_test_models.py",
               "onnx": onnx.__version__, "numpy": np.__version__, "opset": 13,
               "models": written}, f, indent=1, sort_keys=True)

# the infer command's tests (models module) use copies of two of these models
import shutil
CLI = "models/src/test/resources/dev/stapes/models/cli"
os.makedirs(CLI, exist_ok=True)
for name in ("accumulator", "all_types"):
    shutil.copy(os.path.join(OUT, name + ".onnx"), os.path.join(CLI, name + ".onnx"))
