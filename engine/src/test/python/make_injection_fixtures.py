#!/usr/bin/python3
"""Reference fixtures for Stapes' injection layer (dev.stapes.engine.inject).

Builds two small transformers with realistic PyTorch module names, exports them with
torch.onnx.export, writes adapters in the formats Stapes reads (Hugging Face PEFT LoRA directories,
Stapes bottleneck-adapter and task-embedding safetensors), applies the adapters in PyTorch through
forward hooks and saves inputs and expected outputs as .npy with a JSON sidecar.

Run with Debian's python3 (torch 1.13, numpy 1.24):
    /usr/bin/python3 engine/src/test/python/make_injection_fixtures.py [OUT_DIR]
Default OUT_DIR: engine/src/test/resources/inject

    /usr/bin/python3 engine/src/test/python/make_injection_fixtures.py --large OUT_DIR
writes the larger benchmark transformer (whisper-like, 12 layers, d_model 256) and a rank-8 LoRA
for it; it is not committed (about 40 MB).

peft is not installed: adapter_config.json and adapter_model.safetensors are written here by hand,
following PEFT's layout (keys base_model.model.<module>.lora_A.weight [r, in] and lora_B [out, r]).
"""
import json
import math
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 14
TOL = 1e-4


# ----------------------------------------------------------------------------------------------
# Models


class BertSelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q = self.query(x).reshape(b, t, h, d // h).transpose(1, 2)
        k = self.key(x).reshape(b, t, h, d // h).transpose(1, 2)
        v = self.value(x).reshape(b, t, h, d // h).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        return (a @ v).transpose(1, 2).reshape(b, t, d)


class BertSelfOutput(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d)

    def forward(self, h, x):
        return self.LayerNorm(self.dense(h) + x)


class BertAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.self = BertSelfAttention(d, heads)
        self.output = BertSelfOutput(d)

    def forward(self, x):
        return self.output(self.self(x), x)


class BertIntermediate(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.dense = nn.Linear(d, f)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, f, d):
        super().__init__()
        self.dense = nn.Linear(f, d)
        self.LayerNorm = nn.LayerNorm(d)

    def forward(self, h, x):
        return self.LayerNorm(self.dense(h) + x)


class BertLayer(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.attention = BertAttention(d, heads)
        self.intermediate = BertIntermediate(d, f)
        self.output = BertOutput(f, d)

    def forward(self, x):
        a = self.attention(x)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, d, heads, f, layers):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(d, heads, f) for _ in range(layers)])

    def forward(self, x):
        for layer in self.layer:
            x = layer(x)
        return x


class BertEmbeddings(nn.Module):
    def __init__(self, n_in, d, max_len):
        super().__init__()
        self.projection = nn.Linear(n_in, d)
        self.position_embeddings = nn.Parameter(torch.randn(max_len, d) * 0.1)
        self.LayerNorm = nn.LayerNorm(d)

    def forward(self, feats):
        t = feats.shape[1]
        return self.LayerNorm(self.projection(feats) + self.position_embeddings[:t])


class BertPooler(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = nn.Linear(d, d)

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class BertLike(nn.Module):
    """BERT-style names: encoder.layer.N.attention.self.query, ...; pooler.dense is a Gemm
    (2-D input), classifier a Linear without bias on a 2-D input."""

    def __init__(self, n_in=8, d=32, heads=4, f=64, layers=2, classes=5, max_len=64):
        super().__init__()
        self.embeddings = BertEmbeddings(n_in, d, max_len)
        self.encoder = BertEncoder(d, heads, f, layers)
        self.pooler = BertPooler(d)
        self.classifier = nn.Linear(d, classes, bias=False)

    def forward(self, feats):
        seq = self.encoder(self.embeddings(feats))
        return seq, self.classifier(self.pooler(seq))


class WhisperAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d, bias=False)  # as in Whisper
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q = self.q_proj(x).reshape(b, t, h, d // h).transpose(1, 2)
        k = self.k_proj(x).reshape(b, t, h, d // h).transpose(1, 2)
        v = self.v_proj(x).reshape(b, t, h, d // h).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, t, d))


class WhisperEncoderLayer(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.self_attn = WhisperAttention(d, heads)
        self.self_attn_layer_norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, f)
        self.fc2 = nn.Linear(f, d)
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, x):
        x = x + self.self_attn(self.self_attn_layer_norm(x))
        return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))


class WhisperEncoder(nn.Module):
    def __init__(self, n_mels, d, heads, f, layers, max_len):
        super().__init__()
        self.conv1 = nn.Conv1d(n_mels, d, kernel_size=3, padding=1)
        self.embed_positions = nn.Parameter(torch.randn(max_len, d) * 0.1)
        self.layers = nn.ModuleList([WhisperEncoderLayer(d, heads, f) for _ in range(layers)])
        self.layer_norm = nn.LayerNorm(d)

    def forward(self, mel):
        x = F.gelu(self.conv1(mel.transpose(1, 2))).transpose(1, 2)
        x = x + self.embed_positions[: x.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.layer_norm(x)


class WhisperLike(nn.Module):
    """Whisper-style names: encoder.layers.N.self_attn.q_proj (k_proj without bias), fc1, fc2."""

    def __init__(self, n_mels=8, d=32, heads=4, f=64, layers=2, max_len=64):
        super().__init__()
        self.encoder = WhisperEncoder(n_mels, d, heads, f, layers, max_len)

    def forward(self, mel):
        return self.encoder(mel)


# ----------------------------------------------------------------------------------------------
# Files


def write_safetensors(path, tensors, metadata=None):
    header = {}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t,
                                 dtype=np.float32)
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def linear_dims(model, name):
    m = model.get_submodule(name)
    return m.in_features, m.out_features


def peft_target_matches(target_modules, name):
    if isinstance(target_modules, str):
        return re.fullmatch(target_modules, name) is not None
    return any(name == t or name.endswith("." + t) for t in target_modules)


def pattern_value(patterns, name, default):
    for key, value in patterns.items():
        if re.match(r"(.*\.)?%s$" % key, name):
            return value
    return default


def make_lora(model, out_dir, config, gen, default_suffix=False):
    """Writes a PEFT LoRA directory; returns {module: (A, B, scale)} for the hooks."""
    os.makedirs(out_dir, exist_ok=True)
    names = [n for n, m in model.named_modules()
             if isinstance(m, nn.Linear) and peft_target_matches(config["target_modules"], n)]
    tensors = {}
    lora = {}
    for n in names:
        d_in, d_out = linear_dims(model, n)
        r = pattern_value(config.get("rank_pattern", {}), n, config["r"])
        alpha = pattern_value(config.get("alpha_pattern", {}), n, config["lora_alpha"])
        a = torch.randn(r, d_in, generator=gen) * 0.15
        b = torch.randn(d_out, r, generator=gen) * 0.15
        scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
        suffix = ".default" if default_suffix else ""
        tensors["base_model.model.%s.lora_A%s.weight" % (n, suffix)] = a
        tensors["base_model.model.%s.lora_B%s.weight" % (n, suffix)] = b
        lora[n] = (a, b, scale)
    full = {"peft_type": "LORA", "task_type": None, "bias": "none", "fan_in_fan_out": False,
            "lora_dropout": 0.0, "base_model_name_or_path": "stapes-fixture",
            "inference_mode": True, "use_rslora": False, "rank_pattern": {},
            "alpha_pattern": {}}
    full.update(config)
    with open(os.path.join(out_dir, "adapter_config.json"), "w") as f:
        json.dump(full, f, indent=2)
    write_safetensors(os.path.join(out_dir, "adapter_model.safetensors"), tensors,
                      {"format": "pt"})
    return lora


def make_bottleneck(model, path, placement, activation, scale, r, gen):
    tensors = {}
    spec = {}
    for n, where in placement.items():
        d_in, d_out = linear_dims(model, n)
        d = d_out if where == "sequential" else d_in
        down_w = torch.randn(r, d, generator=gen) * 0.3
        down_b = torch.randn(r, generator=gen) * 0.1
        up_w = torch.randn(d_out, r, generator=gen) * 0.3
        up_b = torch.randn(d_out, generator=gen) * 0.1
        tensors[n + ".adapter_down.weight"] = down_w
        tensors[n + ".adapter_down.bias"] = down_b
        tensors[n + ".adapter_up.weight"] = up_w
        tensors[n + ".adapter_up.bias"] = up_b
        spec[n] = (where, down_w, down_b, up_w, up_b)
    write_safetensors(path, tensors, {"format": "stapes.bottleneck-adapter",
                                      "activation": activation, "scale": repr(scale),
                                      "placement": json.dumps(placement)})
    return {"activation": activation, "scale": scale, "modules": spec}


def make_task_embedding(model, path, head_mix, offsets, tokens, heads, gen, zero=False):
    tensors = {}
    spec = {"head_mix": {}, "offset": {}, "token": {}}
    for n in head_mix:
        d_in, _ = linear_dims(model, n)
        alpha = torch.rand(heads, generator=gen)
        emb = torch.randn(heads, d_in // heads, generator=gen)
        tensors[n + ".head_alpha"] = alpha
        tensors[n + ".head_embedding"] = emb
        spec["head_mix"][n] = (alpha, emb)
    for n in offsets:
        d_in, _ = linear_dims(model, n)
        v = torch.zeros(d_in) if zero else torch.randn(d_in, generator=gen) * 0.5
        tensors[n + ".offset"] = v
        spec["offset"][n] = v
    for n, (count, d_in) in tokens.items():
        tok = torch.randn(count, d_in, generator=gen)
        tensors[n + ".token"] = tok
        spec["token"][n] = tok
    write_safetensors(path, tensors, {"format": "stapes.task-embedding"})
    return spec


# ----------------------------------------------------------------------------------------------
# Hooks: the PyTorch meaning of each primitive


def add_hooks(model, loras=(), bottlenecks=(), embeddings=()):
    """loras: [(lora_dict, multiplier)]. Pre-hooks (head mix, offset, token) change the module
    input; forward hooks (LoRA then bottleneck, in that order) add to its output and see the changed
    input, as PyTorch passes it."""
    handles = []
    for spec in embeddings:
        for n, (alpha, emb) in spec["head_mix"].items():
            def pre(mod, inp, alpha=alpha, emb=emb):
                x = inp[0]
                h, dh = emb.shape
                xs = x.reshape(*x.shape[:-1], h, dh)
                xs = (1 - alpha[:, None]) * xs + alpha[:, None] * emb
                return (xs.reshape(x.shape),) + tuple(inp[1:])
            handles.append(model.get_submodule(n).register_forward_pre_hook(pre))
        for n, v in spec["offset"].items():
            def pre(mod, inp, v=v):
                return (inp[0] + v,) + tuple(inp[1:])
            handles.append(model.get_submodule(n).register_forward_pre_hook(pre))
        for n, tok in spec["token"].items():
            def pre(mod, inp, tok=tok):
                x = inp[0]
                t = tok.unsqueeze(0).expand(x.shape[0], -1, -1)
                return (torch.cat([t, x], dim=1),) + tuple(inp[1:])
            handles.append(model.get_submodule(n).register_forward_pre_hook(pre))
    for lora, mult in loras:
        for n, (a, b, scale) in lora.items():
            def hook(mod, inp, out, a=a, b=b, s=scale * mult):
                return out + s * ((inp[0] @ a.t()) @ b.t())
            handles.append(model.get_submodule(n).register_forward_hook(hook))
    for spec in bottlenecks:
        act = F.relu if spec["activation"] == "relu" else F.gelu
        for n, (where, dw, db, uw, ub) in spec["modules"].items():
            def hook(mod, inp, out, where=where, dw=dw, db=db, uw=uw, ub=ub, s=spec["scale"]):
                z = out if where == "sequential" else inp[0]
                return out + s * F.linear(act(F.linear(z, dw, db)), uw, ub)
            handles.append(model.get_submodule(n).register_forward_hook(hook))
    return handles


# ----------------------------------------------------------------------------------------------


def export(model, path, x, input_name, output_names):
    dyn = {input_name: {0: "batch", 1: "time"}}
    for o in output_names:
        dyn[o] = {0: "batch", 1: "time"} if o != "logits" else {0: "batch"}
    torch.onnx.export(model, (x,), path, input_names=[input_name], output_names=output_names,
                      dynamic_axes=dyn, opset_version=OPSET, do_constant_folding=True)


def save(out, name, arr):
    np.save(os.path.join(out, name), np.ascontiguousarray(arr, dtype=np.float32))


def run_case(model, x, out_dir, prefix, case, output_names, **hooks):
    handles = add_hooks(model, **hooks)
    with torch.no_grad():
        y = model(x)
    for h in handles:
        h.remove()
    if not isinstance(y, tuple):
        y = (y,)
    files = {}
    for o, v in zip(output_names, y):
        fn = "%s.%s.%s.npy" % (prefix, case, o)
        save(out_dir, fn, v.numpy())
        files[o] = fn
    return files


def build_fixture(out_dir, prefix, model, x, input_name, output_names, plan, heads):
    gen = torch.Generator().manual_seed(1234)
    model.eval()
    export(model, os.path.join(out_dir, prefix + ".onnx"), x, input_name, output_names)
    save(out_dir, prefix + ".input.npy", x.numpy())

    d = os.path.join(out_dir, prefix)
    os.makedirs(d, exist_ok=True)
    lora1 = make_lora(model, os.path.join(d, "lora1"), plan["lora1"], gen)
    lora2 = make_lora(model, os.path.join(d, "lora2"), plan["lora2"], gen, default_suffix=True)
    alpha0 = dict(plan["lora1"], lora_alpha=0)
    make_lora(model, os.path.join(d, "lora_alpha0"), alpha0, gen)
    bn = make_bottleneck(model, os.path.join(d, "bottleneck.safetensors"),
                         plan["bottleneck"], plan["activation"], 0.7, 3, gen)
    emb = make_task_embedding(model, os.path.join(d, "taskemb.safetensors"),
                              plan["head_mix"], plan["offset"], {}, heads, gen)
    make_task_embedding(model, os.path.join(d, "zero_offset.safetensors"), [],
                        plan["offset"], {}, heads, gen, zero=True)
    tok = make_task_embedding(model, os.path.join(d, "token.safetensors"), [], [],
                              plan["token"], heads, gen)

    cases = {
        "base": {},
        "lora1": {"loras": [(lora1, 1.0)]},
        "lora1_scale0.5": {"loras": [(lora1, 0.5)]},
        "lora2": {"loras": [(lora2, 1.0)]},
        "lora_stack": {"loras": [(lora1, 1.0), (lora2, 0.5)]},
        "bottleneck": {"bottlenecks": [bn]},
        "taskemb": {"embeddings": [emb]},
        "token": {"embeddings": [tok]},
        "all": {"loras": [(lora1, 1.0), (lora2, 0.5)], "bottlenecks": [bn],
                "embeddings": [emb]},
    }
    expected = {}
    for case, hooks in cases.items():
        expected[case] = run_case(model, x, out_dir, prefix, case, output_names, **hooks)
    return {
        "model": prefix + ".onnx",
        "input": {"name": input_name, "file": prefix + ".input.npy", "shape": list(x.shape)},
        "outputs": output_names,
        "heads": heads,
        "adapters": {"lora1": prefix + "/lora1", "lora2": prefix + "/lora2",
                     "lora_alpha0": prefix + "/lora_alpha0",
                     "bottleneck": prefix + "/bottleneck.safetensors",
                     "taskemb": prefix + "/taskemb.safetensors",
                     "zero_offset": prefix + "/zero_offset.safetensors",
                     "token": prefix + "/token.safetensors"},
        "plan": {k: v for k, v in plan.items()},
        "cases": {
            "base": [], "lora1": [["lora1", 1.0]], "lora1_scale0.5": [["lora1", 0.5]],
            "lora2": [["lora2", 1.0]], "lora_stack": [["lora1", 1.0], ["lora2", 0.5]],
            "bottleneck": [["bottleneck", 1.0]], "taskemb": [["taskemb", 1.0]],
            "token": [["token", 1.0]],
            "all": [["lora1", 1.0], ["lora2", 0.5], ["bottleneck", 1.0], ["taskemb", 1.0]],
        },
        "expected": expected,
    }


def main(argv):
    if len(argv) >= 2 and argv[0] == "--large":
        return large(argv[1])
    out_dir = argv[0] if argv else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources", "inject")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    bert = BertLike()
    whisper = WhisperLike()
    x_bert = torch.randn(3, 7, 8)
    x_whisper = torch.randn(3, 11, 8)
    fixtures = {}
    fixtures["bert"] = build_fixture(out_dir, "bert", bert, x_bert, "features",
                                     ["sequence", "logits"], {
        "lora1": {"r": 4, "lora_alpha": 8, "target_modules": ["query", "value", "pooler.dense"]},
        "lora2": {"r": 2, "lora_alpha": 4, "use_rslora": True,
                  "target_modules": r".*\.(key|output\.dense)$|classifier",
                  "rank_pattern": {"classifier": 3}, "alpha_pattern": {"classifier": 1.5}},
        "bottleneck": {"encoder.layer.0.output.dense": "sequential",
                       "encoder.layer.1.intermediate.dense": "parallel"},
        "activation": "gelu",
        "head_mix": ["encoder.layer.1.attention.output.dense"],
        "offset": ["encoder.layer.0.intermediate.dense"],
        "token": {"encoder.layer.0": (1, 32)},
    }, heads=4)
    fixtures["whisper"] = build_fixture(out_dir, "whisper", whisper, x_whisper, "mel",
                                        ["encoder_out"], {
        "lora1": {"r": 4, "lora_alpha": 16, "target_modules": ["q_proj", "k_proj", "v_proj"]},
        "lora2": {"r": 8, "lora_alpha": 8, "target_modules": ["fc1", "fc2", "out_proj"],
                  "rank_pattern": {"fc2": 2}},
        "bottleneck": {"encoder.layers.0.fc2": "sequential",
                       "encoder.layers.1.self_attn.out_proj": "parallel"},
        "activation": "relu",
        "head_mix": ["encoder.layers.0.self_attn.out_proj"],
        "offset": ["encoder.layers.1.fc1"],
        "token": {"encoder.layers.0": (2, 32)},
    }, heads=4)
    sidecar = {
        "generator": "engine/src/test/python/make_injection_fixtures.py",
        "torch": torch.__version__, "numpy": np.__version__, "opset": OPSET,
        "tolerance": TOL,
        "semantics": "pre-hooks (head mix, offset, token) change the module input; forward hooks "
                     "add LoRA branches then bottlenecks, reading the changed input; "
                     "a case entry [name, m] applies adapter name with scale multiplier m",
        "fixtures": fixtures,
    }
    with open(os.path.join(out_dir, "fixtures.json"), "w") as f:
        json.dump(sidecar, f, indent=2, sort_keys=True)


def large(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    model = WhisperLike(n_mels=80, d=256, heads=4, f=1024, layers=12, max_len=1500).eval()
    x = torch.randn(1, 100, 80)
    export(model, os.path.join(out_dir, "whisper-large-bench.onnx"), x, "mel", ["encoder_out"])
    save(out_dir, "whisper-large-bench.input.npy", x.numpy())
    gen = torch.Generator().manual_seed(7)
    make_lora(model, os.path.join(out_dir, "lora-qv-r8"),
              {"r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"]}, gen)
    make_lora(model, os.path.join(out_dir, "lora-all-r8"),
              {"r": 8, "lora_alpha": 16,
               "target_modules": ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]}, gen)


if __name__ == "__main__":
    main(sys.argv[1:])
