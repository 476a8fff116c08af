#!/usr/bin/env python3
"""Writes a copy of the authors' gtcrn_simple.onnx with the metadata keys that sherpa-onnx's GTCRN
denoiser reads (model_type, sample_rate, n_fft, hop_length, window_length, window_type and the
three cache shapes), so that sherpa-onnx runs the very same weights as Stapes. The copy is for the
speed comparison only and is never committed (third-party model).

Usage: gtcrn_sherpa_metadata.py IN.onnx OUT.onnx      (onnx 1.12, Debian's /usr/bin/python3)
"""
import sys

import onnx


def main(src, dst):
    model = onnx.load(src)
    keys = {
        "model_type": "gtcrn",
        "version": "1",
        "sample_rate": "16000",
        "n_fft": "512",
        "hop_length": "256",
        "window_length": "512",
        "window_type": "hann_sqrt",
        "conv_cache_shape": "2,1,16,16,33",
        "tra_cache_shape": "2,3,1,1,16",
        "inter_cache_shape": "2,1,33,16",
    }
    del model.metadata_props[:]
    for k, v in keys.items():
        p = model.metadata_props.add()
        p.key, p.value = k, v
    onnx.save(model, dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
