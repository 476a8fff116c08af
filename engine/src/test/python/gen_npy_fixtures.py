#!/usr/bin/python3
"""Writes the .npy reader fixtures of NpyTest (numpy 1.24, Debian's python3).

Every array holds np.arange(size) (bools: arange % 2) reshaped, cast to its dtype, so that the
test recomputes the expected values. Run from the repository root:
    /usr/bin/python3 engine/src/test/python/gen_npy_fixtures.py
"""
import json
import os

import numpy as np
from numpy.lib import format as npf

OUT = "engine/src/test/resources/dev/stapes/engine/npy"
os.makedirs(OUT, exist_ok=True)

cases = {}


def arange(dtype, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    a = np.arange(n)
    if np.dtype(dtype).kind == "b":
        a = a % 2
    return a.astype(dtype).reshape(shape)


def save(name, a, version=None):
    path = os.path.join(OUT, name + ".npy")
    with open(path, "wb") as f:
        if version is None:
            np.save(f, a)
        else:
            npf.write_array(f, a, version=version)
    cases[name] = {"descr": a.dtype.str, "shape": list(a.shape),
                   "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
                   "version": list(version) if version else [1, 0]}


for code in ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]:
    save("le_" + code, arange("<" + code if code not in ("i1", "u1", "b1") else code, (2, 3)))
for code in ["f2", "f4", "f8", "i2", "i4", "i8", "u2", "u4", "u8"]:
    save("be_" + code, arange(">" + code, (3, 2)))
save("scalar_f4", np.array(7, dtype="<f4"))
save("empty_f4", np.zeros((0, 3), dtype="<f4"))
save("rank1_i8", arange("<i8", (5,)))
save("rank4_f4", arange("<f4", (1, 2, 3, 2)))
save("v2_f4", arange("<f4", (2, 3)), version=(2, 0))
save("v3_f4", arange("<f4", (2, 3)), version=(3, 0))
save("fortran_f4", np.asfortranarray(arange("<f4", (2, 3))))

with open(os.path.join(OUT, "fixtures.json"), "w") as f:
    json.dump({"generator": "engine/src/test/python/gen_npy_fixtures.py",
               "numpy": np.__version__, "values": "arange(size) cast to dtype (bool: % 2)",
               "cases": cases}, f, indent=1, sort_keys=True)
