#!/usr/bin/env python3
"""Reference fixtures for Stapes' PEFT LoRA injection (dev.stapes.engine.inject), made with the
real libraries: Hugging Face transformers audio classifiers and a hand-written torch transformer,
each exported by both torch exporters (dynamo and TorchScript), and LoRA adapters written by
PEFT's own save_pretrained, with the logits PEFT computes with each adapter active.

Families (random, seeded weights; tiny configs so that everything runs on two CPU cores in a few
minutes):
  ast        ASTForAudioClassification       input_values   float32 [1, 48, 32]
  whisper    WhisperForAudioClassification   input_features float32 [1, 16, 32]
  hubert     HubertForSequenceClassification input_values   float32 [1, 800]
  container  ContainerNet (below)            features float32 [1, 12, 8], tokens int64 [1, 12]

Run with the fixture venv (never needed by the Java build):
    /tmp/fixvenv/bin/python engine/src/test/python/make_peft_fixtures.py [OUT_DIR]
Default OUT_DIR: engine/src/test/resources/inject/peft (OUT_DIR is cleared first). It takes
about half a minute on two cores; the script re-runs itself with PYTHONHASHSEED=0 so that two
runs write the same bytes (PEFT keeps target_modules as a set), except for the file paths that
the dynamo exporter records in each node's pkg.torch.onnx.stack_trace.

Make the venv from the machine's local package mirror (the versions below are the ones recorded
in OUT_DIR/versions.json; pip config list names the mirrors):
    python3.11 -m venv /tmp/fixvenv
    /tmp/fixvenv/bin/pip install --index-url file:///opt/pypi/simple \\
        --extra-index-url file:///opt/pypi-more/simple \\
        torch==2.13.0+cpu transformers==5.18.0 peft==0.21.0 onnxscript==0.7.2 onnx==1.23.1 \\
        onnxruntime==1.30.0 safetensors==0.8.0 numpy==2.4.6

Benchmark export (not committed, about 41 MB; read by bench's InjectionDynamoBenchmark):
    /tmp/fixvenv/bin/python engine/src/test/python/make_peft_fixtures.py --large OUT_DIR
writes into OUT_DIR (cleared first; the committed fixture folder is refused) a 12-layer
WhisperForAudioClassification (d_model 256, 4 heads, FFN 1024, 80 mel bins, input_features
[1, 80, 200]: 200 mel frames, 100 encoder positions after the stride-2 conv) exported by the
dynamo exporter as model.onnx + model.onnx.data, two PEFT adapters adapters/task_a and
adapters/task_b (rank-8 LoRA on q_proj and v_proj of all 12 layers, modules_to_save=["classifier"],
each with its own random head), inputs/input_features.npy, expected/{base,task_a,task_b}.npy and a
manifest.json naming input, shape, output and tolerance. About a minute on two cores.

Output (paths in manifest.json are relative to OUT_DIR):
  <family>.<exporter>.onnx [+ .onnx.data]   base models; dynamo keeps its external data file
  inputs/<family>.<input>.npy               the fixed input (float32 audio/features, int64 tokens)
  expected/<family>.base.npy                base logits (PyTorch)
  adapters/<id>/                            adapter_config.json + adapter_model.safetensors
                                            written by PeftModel.save_pretrained (for a
                                            non-default adapter name PEFT writes them in the
                                            subfolder <id>/<adapter name>/; "dir" points there)
  expected/<id>.npy                         logits with the adapter active (PEFT, eval mode)
  manifest.json, versions.json

Every adapter parameter (lora_A/B, lora_embedding_A/B, lora_B bias, DoRA magnitudes and the
modules_to_save copies) is set to seeded random values after get_peft_model, so no case is a
no-op; each expected output differs from the base output by more than MIN_EFFECT. Checks made
while generating: onnxruntime on each export vs the torch base output; PeftModel.from_pretrained
on the saved directory reproduces the expected output; merge_and_unload() gives the same output.
"""
import os
import sys

if __name__ == "__main__" and os.environ.get("PYTHONHASHSEED") != "0":
    # PEFT keeps target_modules as a set; a fixed hash seed makes adapter_config.json
    # byte-for-byte reproducible
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:])

import copy  # noqa: E402 - after the re-exec above
import json
import math
import platform
import re
import shutil
import time
import zlib

import numpy as np
import onnx
import onnxruntime as ort
import onnxscript
import peft
import safetensors
import safetensors.torch
import torch
import torch.nn as nn
import torch.nn.functional as F
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from transformers.pytorch_utils import Conv1D

OPSET = 18
TOL = 1e-4          # what the Java side is held to (absolute, on logits of order 1)
CHECK_TOL = 2e-5    # torch vs onnxruntime / merged vs unmerged, here
MIN_EFFECT = 1e-2   # every adapter must move the logits at least this much
GENERATOR = "engine/src/test/python/make_peft_fixtures.py"


# ----------------------------------------------------------------------------------------------
# Hand-written "container" model


class ContainerAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
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


class ContainerLayer(nn.Module):
    def __init__(self, d, heads, f):
        super().__init__()
        self.self_attn = ContainerAttention(d, heads)
        self.norm1 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, f)
        self.fc2 = nn.Linear(f, d)
        self.norm2 = nn.LayerNorm(d)

    def forward(self, x):
        x = self.norm1(x + self.self_attn(x))
        return self.norm2(x + self.fc2(F.gelu(self.fc1(x))))


class ContainerNet(nn.Module):
    """Layers in a container whose forward never runs (self.encoder is a bare nn.Module; the
    top-level forward iterates self.encoder.layers), q/k/v biases all zero (one shared
    initializer after export), an Embedding on int64 tokens added to the features, a GPT-2 style
    transformers Conv1D (weight [in, out]) and an nn.Conv1d front end."""

    def __init__(self, n_in=8, d=32, heads=4, f=64, layers=2, vocab=16, classes=5):
        super().__init__()
        self.frontend = nn.Conv1d(n_in, d, kernel_size=3, padding=1)
        self.embed_tokens = nn.Embedding(vocab, d)
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([ContainerLayer(d, heads, f) for _ in range(layers)])
        self.proj = Conv1D(d, d)
        self.head_norm = nn.LayerNorm(d)
        self.classifier = nn.Linear(d, classes)

    def forward(self, features, tokens):
        h = self.frontend(features.transpose(1, 2)).transpose(1, 2) + self.embed_tokens(tokens)
        for layer in self.encoder.layers:
            h = layer(h)
        h = F.gelu(self.proj(h))
        return self.classifier(self.head_norm(h.mean(dim=1)))


# ----------------------------------------------------------------------------------------------
# Base models


def randomize_base(model, gen):
    """Trained-looking weights: distinct values everywhere (HF init leaves biases at zero and
    norms at one, which both exporters would merge into shared initializers), logits of order 1."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                fan_in = int(np.prod(p.shape[1:]))
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            elif re.search(r"(norm|LayerNorm)[^.]*\.weight$", name):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))


def build_ast():
    from transformers import ASTConfig, ASTForAudioClassification
    cfg = ASTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, patch_size=16, frequency_stride=16, time_stride=16,
                    num_mel_bins=32, max_length=48, num_labels=5, hidden_dropout_prob=0.0,
                    attention_probs_dropout_prob=0.0)
    return ASTForAudioClassification(cfg), {"input_values": ((1, 48, 32), "float32")}


def build_whisper():
    from transformers import WhisperConfig, WhisperForAudioClassification
    cfg = WhisperConfig(d_model=32, encoder_layers=2, encoder_attention_heads=2,
                        encoder_ffn_dim=64, decoder_layers=1, decoder_attention_heads=2,
                        decoder_ffn_dim=64, num_mel_bins=16, max_source_positions=16,
                        max_target_positions=16, vocab_size=64, pad_token_id=0, bos_token_id=1,
                        eos_token_id=2, decoder_start_token_id=1, num_labels=5,
                        classifier_proj_size=16, dropout=0.0, attention_dropout=0.0,
                        activation_dropout=0.0, encoder_layerdrop=0.0, mask_time_prob=0.0,
                        mask_feature_prob=0.0)
    return WhisperForAudioClassification(cfg), {"input_features": ((1, 16, 32), "float32")}


def build_hubert():
    from transformers import HubertConfig, HubertForSequenceClassification
    cfg = HubertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                       intermediate_size=64, conv_dim=(16, 16), conv_kernel=(10, 3),
                       conv_stride=(5, 2), num_conv_pos_embeddings=16,
                       num_conv_pos_embedding_groups=4, vocab_size=32, num_labels=5,
                       classifier_proj_size=16, mask_time_prob=0.0, mask_feature_prob=0.0,
                       hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                       feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0)
    return HubertForSequenceClassification(cfg), {"input_values": ((1, 800), "float32")}


def build_container():
    model = ContainerNet()
    return model, {"features": ((1, 12, 8), "float32"), "tokens": ((1, 12), "int64")}


FAMILIES = {"ast": build_ast, "whisper": build_whisper, "hubert": build_hubert,
            "container": build_container}


def make_family(name):
    torch.manual_seed(zlib.crc32(name.encode()))
    model, spec = FAMILIES[name]()
    gen = torch.Generator().manual_seed(zlib.crc32(("base:" + name).encode()))
    randomize_base(model, gen)
    if name == "container":
        with torch.no_grad():
            for layer in model.encoder.layers:
                for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj,
                             layer.self_attn.v_proj):
                    proj.bias.zero_()
    model.eval()
    inputs = {}
    for k, (shape, dtype) in spec.items():
        if dtype == "int64":
            inputs[k] = torch.randint(0, 16, shape, generator=gen, dtype=torch.int64)
        else:
            inputs[k] = torch.randn(shape, generator=gen)
    return model, inputs


def logits_of(model, inputs):
    with torch.no_grad():
        y = model(**inputs)
    y = y if isinstance(y, torch.Tensor) else y.logits
    return y.detach().numpy().astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Export


def export(model, inputs, path, exporter):
    for p in (path, path + ".data"):
        if os.path.exists(p):
            os.remove(p)
    if exporter == "dynamo":
        # exporter defaults throughout: names from the forward signature / output dataclass
        torch.onnx.export(model, (), path, kwargs=dict(inputs), opset_version=OPSET, dynamo=True)
    else:
        torch.onnx.export(model, tuple(inputs.values()), path, input_names=list(inputs),
                          output_names=["logits"], opset_version=OPSET, dynamo=False,
                          do_constant_folding=True)
    proto = onnx.load(path, load_external_data=False)
    ext = [i.name for i in proto.graph.initializer
           if i.data_location == onnx.TensorProto.EXTERNAL]
    opset = [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")][0]
    return proto, opset, ext


def describe_initializers(proto, model):
    """State-dict names that are not initializer names in the export (folded, renamed or merged
    with an identical tensor), and groups of parameters that share one initializer."""
    names = {i.name for i in proto.graph.initializer}
    absent = [n for n, _ in model.named_parameters() if n not in names]
    params = dict(model.named_parameters())
    shared = []
    for init in proto.graph.initializer:
        if init.name not in params:
            continue
        p = params[init.name].detach()
        twins = [n for n, q in params.items() if n != init.name and q.shape == p.shape
                 and torch.equal(q.detach(), p)]
        if twins:
            shared.append([init.name] + twins)
    # TorchScript's de-duplication keeps one initializer and re-creates the other names as
    # Identity outputs
    aliases = {n.output[0]: n.input[0] for n in proto.graph.node
               if n.op_type == "Identity" and n.input[0] in names}
    return absent, shared, aliases


# ----------------------------------------------------------------------------------------------
# Adapters


def randomize_adapter(peft_model, adapter_name, gen):
    touched = []
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            parts = name.split(".")
            if adapter_name not in parts:
                continue
            if "lora_magnitude_vector" in parts:
                p.mul_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            elif "modules_to_save" in parts:
                if p.dim() >= 2:
                    p.add_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
                else:
                    p.add_(0.2 * torch.randn(p.shape, generator=gen))
            elif any(a.startswith("lora_") for a in parts):
                scale = 0.1 if name.endswith(".bias") else 0.2
                p.copy_(scale * torch.randn(p.shape, generator=gen))
            else:
                continue
            touched.append(name)
    if not touched:
        raise RuntimeError("no adapter parameters found")
    return touched


# Each adapter: id, family, fields covered, LoraConfig arguments, optional adapter name.
ADAPTERS = [
    # --- AST (ASTForAudioClassification, transformers 5 names: layers.N.attention.q_proj, ...)
    dict(id="ast_list", family="ast", fields=["target_modules:list"],
         config=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])),
    dict(id="ast_regex_conv2d", family="ast",
         fields=["target_modules:regex", "lora:conv2d", "lora:linear"],
         config=dict(r=2, lora_alpha=4,
                     target_modules=r".*patch_embeddings\.projection|.*layers\.\d+\.mlp\.fc[12]")),
    dict(id="ast_dora_head", family="ast", fields=["use_dora", "modules_to_save"],
         config=dict(r=4, lora_alpha=4, use_dora=True,
                     target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                     modules_to_save=["classifier"])),
    dict(id="ast_patterns_rslora", family="ast",
         fields=["rank_pattern", "alpha_pattern", "use_rslora", "target_modules:list"],
         config=dict(r=4, lora_alpha=8, use_rslora=True,
                     target_modules=["q_proj", "k_proj", "fc1", "fc2"],
                     rank_pattern={"fc1": 8, "layers.1.attention.q_proj": 2},
                     alpha_pattern={"fc2": 3, "k_proj": 16})),
    # --- Whisper (WhisperForAudioClassification: encoder.layers.N.self_attn.q_proj, ...)
    dict(id="whisper_layers", family="whisper",
         fields=["layers_to_transform", "layers_pattern", "target_modules:list"],
         config=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "fc1"],
                     layers_to_transform=[1], layers_pattern="layers")),
    dict(id="whisper_exclude", family="whisper",
         fields=["exclude_modules", "target_modules:regex"],
         config=dict(r=4, lora_alpha=8, target_modules=r"encoder\.layers\.\d+\.self_attn\..*_proj",
                     exclude_modules=["encoder.layers.0.self_attn.k_proj", "out_proj"])),
    dict(id="whisper_lora_bias", family="whisper", fields=["lora_bias", "target_modules:list"],
         config=dict(r=4, lora_alpha=8, lora_bias=True, target_modules=["q_proj", "fc1", "fc2"])),
    # tried and recorded under "skipped" when PEFT cannot run it (WhisperEncoder.forward reads
    # self.conv1.stride, which PEFT's lora.Conv1d wrapper does not have)
    dict(id="whisper_conv1d", family="whisper", fields=["lora:conv1d"], may_fail=True,
         config=dict(r=4, lora_alpha=8, target_modules=["encoder.conv1", "encoder.conv2"])),
    dict(id="whisper_task_a", family="whisper", fields=["multitask", "modules_to_save"],
         config=dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                     modules_to_save=["classifier"])),
    dict(id="whisper_task_b", family="whisper", fields=["multitask", "modules_to_save"],
         config=dict(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj", "fc1"],
                     modules_to_save=["projector"])),
    # --- HuBERT (HubertForSequenceClassification: hubert.feature_extractor.conv_layers.N.conv, ...)
    dict(id="hubert_featconv", family="hubert", fields=["lora:conv1d", "lora:linear"],
         config=dict(r=4, lora_alpha=8,
                     target_modules=["conv_layers.0.conv", "conv_layers.1.conv",
                                     "feature_projection.projection"])),
    dict(id="hubert_lora_bias", family="hubert", fields=["lora_bias", "target_modules:list"],
         config=dict(r=4, lora_alpha=8, lora_bias=True,
                     target_modules=["q_proj", "k_proj", "v_proj", "out_proj"])),
    dict(id="hubert_task_x", family="hubert",
         fields=["adapter_name", "target_modules:regex", "modules_to_save"],
         adapter_name="task_x",
         config=dict(r=4, lora_alpha=16,
                     target_modules=r"hubert\.encoder\.layers\.\d+\.feed_forward\.(intermediate|output)_dense",
                     modules_to_save=["projector", "classifier"])),
    dict(id="hubert_dora_layers", family="hubert",
         fields=["use_dora", "layers_to_transform", "layers_pattern", "exclude_modules"],
         config=dict(r=4, lora_alpha=8, use_dora=True,
                     target_modules=["q_proj", "k_proj", "v_proj", "intermediate_dense"],
                     exclude_modules=["k_proj"],
                     layers_to_transform=[0], layers_pattern="layers")),
    # --- container (encoder.layers.N.self_attn.q_proj with shared zero biases, Conv1D proj, ...)
    dict(id="container_fan_in_fan_out", family="container",
         fields=["fan_in_fan_out", "lora:transformers_conv1d"],
         config=dict(r=4, lora_alpha=8, fan_in_fan_out=True, target_modules=["proj"])),
    dict(id="container_embed_conv", family="container",
         fields=["lora:embedding", "lora:conv1d", "target_modules:list"],
         config=dict(r=4, lora_alpha=8, target_modules=["embed_tokens", "frontend"])),
    dict(id="container_qkv_bias", family="container",
         fields=["lora_bias", "shared_initializer", "target_modules:regex"],
         config=dict(r=4, lora_alpha=8, lora_bias=True,
                     target_modules=r"encoder\.layers\.\d+\.self_attn\.[qkv]_proj")),
    dict(id="container_dora_head", family="container",
         fields=["use_dora", "shared_initializer", "modules_to_save", "rank_pattern",
                 "alpha_pattern"],
         config=dict(r=4, lora_alpha=8, use_dora=True,
                     target_modules=["q_proj", "k_proj", "v_proj", "fc1"],
                     rank_pattern={"encoder.layers.1.self_attn.v_proj": 2},
                     alpha_pattern={"fc1": 2},
                     modules_to_save=["classifier"])),
    dict(id="container_layers_rslora", family="container",
         fields=["layers_to_transform", "layers_pattern", "use_rslora", "target_modules:list"],
         config=dict(r=8, lora_alpha=8, use_rslora=True,
                     target_modules=["q_proj", "out_proj", "fc2"],
                     layers_to_transform=[0], layers_pattern="layers")),
    dict(id="container_task_a", family="container", fields=["multitask", "modules_to_save"],
         config=dict(r=4, lora_alpha=8, target_modules=["v_proj", "fc1"],
                     modules_to_save=["classifier"])),
    dict(id="container_task_b", family="container", fields=["multitask", "modules_to_save"],
         config=dict(r=4, lora_alpha=8, target_modules=["v_proj", "fc1"],
                     modules_to_save=["head_norm", "classifier"])),
]

# Copies whose safetensors keys are rewritten with the adapter name, as in the PeftModel's own
# state_dict (lora_A.default.weight, modules_to_save.default.weight, ...).
NAMED_KEY_COPIES = {"container_dora_head": "container_dora_head_named_keys",
                    "container_embed_conv": "container_embed_conv_named_keys"}

MULTITASK = [("whisper", ["whisper_task_a", "whisper_task_b"]),
             ("container", ["container_task_a", "container_task_b"])]


def named_key_state(peft_model, adapter_name):
    out = {}
    pat = re.compile(r"\." + re.escape(adapter_name) + r"(\.|$)")
    for k, v in peft_model.state_dict().items():
        if pat.search(k):
            out[k] = v.detach().contiguous().clone()
    return out


def saved_keys(path):
    with safetensors.safe_open(path, "pt") as f:
        return {k: list(f.get_slice(k).get_shape()) for k in f.keys()}


def make_adapter(spec, base, inputs, base_out, out_dir):
    aid = spec["id"]
    adapter_name = spec.get("adapter_name", "default")
    model = copy.deepcopy(base)
    cfg = LoraConfig(lora_dropout=0.0, **spec["config"])
    pm = get_peft_model(model, cfg, adapter_name=adapter_name)
    gen = torch.Generator().manual_seed(zlib.crc32(("adapter:" + aid).encode()))
    randomize_adapter(pm, adapter_name, gen)
    pm.eval()
    try:
        expected = logits_of(pm, inputs)
    except Exception as e:  # noqa: BLE001
        if not spec.get("may_fail"):
            raise
        print("  %-34s skipped: %s: %s" % (aid, type(e).__name__, e))
        return None, {"what": "adapter %s (%s)" % (aid, spec["config"]["target_modules"]),
                      "why": "PEFT forward fails: %s: %s" % (type(e).__name__, e)}
    effect = float(np.abs(expected - base_out).max())
    if effect < MIN_EFFECT:
        raise RuntimeError("%s changes the logits by only %g" % (aid, effect))

    top = os.path.join(out_dir, "adapters", aid)
    pm.save_pretrained(top, safe_serialization=True)
    adir = top if adapter_name == "default" else os.path.join(top, adapter_name)
    st = os.path.join(adir, "adapter_model.safetensors")
    if not os.path.exists(st):
        raise RuntimeError("PEFT did not write %s" % st)

    # the saved directory must reproduce the expected output
    reloaded = PeftModel.from_pretrained(copy.deepcopy(base), adir, adapter_name=adapter_name)
    reloaded.eval()
    reload_diff = float(np.abs(logits_of(reloaded, inputs) - expected).max())
    merged = copy.deepcopy(pm).merge_and_unload()
    merge_diff = float(np.abs(logits_of(merged, inputs) - expected).max())
    dora = bool(spec["config"].get("use_dora", False))
    print("  %-34s effect %.3g  reload diff %.2g  merge_and_unload diff %.2g%s"
          % (aid, effect, reload_diff, merge_diff, " (DoRA)" if dora else ""))
    # float32 rounding of merge_and_unload grows with the number of merged modules
    check_tol = spec.get("check_tol", CHECK_TOL)
    if reload_diff > CHECK_TOL:
        raise RuntimeError("%s: reloaded adapter differs by %g" % (aid, reload_diff))
    if merge_diff > check_tol:
        raise RuntimeError("%s: merge_and_unload differs by %g" % (aid, merge_diff))

    np.save(os.path.join(out_dir, "expected", aid + ".npy"), expected)
    entry = {"dir": os.path.relpath(adir, out_dir), "family": spec["family"],
             "fields": spec["fields"], "expected": "expected/%s.npy" % aid, "dora": dora,
             "modules_to_save": list(spec["config"].get("modules_to_save") or []),
             "peft_adapter_name": adapter_name, "keys_include_adapter_name": False,
             "max_abs_effect": effect, "merge_and_unload_max_diff": merge_diff,
             "keys": saved_keys(st)}
    copies = {}
    if aid in NAMED_KEY_COPIES:
        cid = NAMED_KEY_COPIES[aid]
        cdir = os.path.join(out_dir, "adapters", cid)
        os.makedirs(cdir)
        shutil.copy(os.path.join(adir, "adapter_config.json"), cdir)
        state = named_key_state(pm, adapter_name)
        if len(state) != len(entry["keys"]):
            raise RuntimeError("%s: %d named keys vs %d saved" % (cid, len(state),
                                                                   len(entry["keys"])))
        safetensors.torch.save_file(state, os.path.join(cdir, "adapter_model.safetensors"),
                                    metadata={"format": "pt"})
        c = dict(entry, dir=os.path.relpath(cdir, out_dir),
                 fields=entry["fields"] + ["keys:with_adapter_name"],
                 keys_include_adapter_name=True, copy_of=aid,
                 keys=saved_keys(os.path.join(cdir, "adapter_model.safetensors")))
        copies[cid] = c
    return entry, copies


# ----------------------------------------------------------------------------------------------


def versions():
    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "peft": peft.__version__,
            "onnxscript": onnxscript.__version__, "onnx": onnx.__version__,
            "onnxruntime": ort.__version__, "numpy": np.__version__,
            "safetensors": safetensors.__version__}


# ----------------------------------------------------------------------------------------------
# --large: the benchmark export (12 layers, dynamo)

LARGE_LAYERS = 12
LARGE_FRAMES = 200   # mel frames in; the encoder's stride-2 conv leaves 100 positions
LARGE_TOL = 1e-4
# LoRA on every Linear of the 12 encoder layers (72 modules), the case that costs bound mode most.
LARGE_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]
LARGE_ADAPTERS = [
    dict(id="task_a", family="whisper12", fields=["modules_to_save", "multitask"],
         check_tol=LARGE_TOL,
         config=dict(r=8, lora_alpha=16, target_modules=LARGE_TARGETS,
                     modules_to_save=["classifier"])),
    dict(id="task_b", family="whisper12", fields=["modules_to_save", "multitask"],
         check_tol=LARGE_TOL,
         config=dict(r=8, lora_alpha=16, target_modules=LARGE_TARGETS,
                     modules_to_save=["classifier"])),
]


def build_large():
    from transformers import WhisperConfig, WhisperForAudioClassification
    cfg = WhisperConfig(d_model=256, encoder_layers=LARGE_LAYERS, encoder_attention_heads=4,
                        encoder_ffn_dim=1024, decoder_layers=1, decoder_attention_heads=4,
                        decoder_ffn_dim=1024, num_mel_bins=80,
                        max_source_positions=LARGE_FRAMES // 2, max_target_positions=16,
                        vocab_size=64, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                        decoder_start_token_id=1, num_labels=10, classifier_proj_size=256,
                        dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                        encoder_layerdrop=0.0, mask_time_prob=0.0, mask_feature_prob=0.0)
    torch.manual_seed(zlib.crc32(b"whisper12"))
    model = WhisperForAudioClassification(cfg)
    gen = torch.Generator().manual_seed(zlib.crc32(b"base:whisper12"))
    randomize_base(model, gen)
    model.eval()
    inputs = {"input_features": torch.randn((1, 80, LARGE_FRAMES), generator=gen)}
    return model, inputs


def main_large(out_dir):
    t0 = time.time()
    out_dir = os.path.abspath(out_dir)
    committed = os.path.abspath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources"))
    if out_dir == committed or out_dir.startswith(committed + os.sep):
        raise SystemExit("--large OUT_DIR=%s is inside the committed fixtures (%s); choose "
                         "another folder, e.g. bench/target/dynamo-12l" % (out_dir, committed))
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    for sub in ("inputs", "expected", "adapters"):
        os.makedirs(os.path.join(out_dir, sub))
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    model, inputs = build_large()
    base_out = logits_of(model, inputs)
    x = inputs["input_features"].numpy()
    np.save(os.path.join(out_dir, "inputs", "input_features.npy"), x)
    np.save(os.path.join(out_dir, "expected", "base.npy"), base_out)
    path = os.path.join(out_dir, "model.onnx")
    proto, opset, ext = export(model, inputs, path, "dynamo")
    if not os.path.exists(path + ".data"):
        raise RuntimeError("the dynamo exporter wrote no model.onnx.data")
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    onnx_in = [i.name for i in sess.get_inputs()]
    onnx_out = [o.name for o in sess.get_outputs()]
    if onnx_in != ["input_features"]:
        raise RuntimeError("inputs %s, expected ['input_features']" % onnx_in)
    ort_diff = float(np.abs(sess.run([onnx_out[0]], {"input_features": x})[0] - base_out).max())
    print("whisper12: %d layers, %.1f M parameters, opset %d, out %s, %d/%d initializers "
          "external, onnxruntime vs torch %.2g"
          % (LARGE_LAYERS, sum(p.numel() for p in model.parameters()) / 1e6, opset, onnx_out,
             len(ext), len(proto.graph.initializer), ort_diff))
    if ort_diff > LARGE_TOL:
        raise RuntimeError("onnxruntime differs from torch by %g" % ort_diff)

    adapters = {}
    print("adapters:")
    for spec in LARGE_ADAPTERS:
        entry, _ = make_adapter(spec, model, inputs, base_out, out_dir)
        adapters[spec["id"]] = entry
    a = np.load(os.path.join(out_dir, "expected", "task_a.npy"))
    b = np.load(os.path.join(out_dir, "expected", "task_b.npy"))
    if float(np.abs(a - b).max()) < MIN_EFFECT:
        raise RuntimeError("task_a and task_b give the same logits")

    manifest = {
        "generator": GENERATOR + " --large", "tolerance": LARGE_TOL,
        "model": {"file": "model.onnx", "external_data_file": "model.onnx.data",
                  "exporter": "dynamo", "opset": opset, "family": "whisper12",
                  "class": type(model).__name__, "layers": LARGE_LAYERS, "d_model": 256,
                  "heads": 4, "ffn": 1024, "mel_bins": 80, "frames": LARGE_FRAMES,
                  "encoder_positions": LARGE_FRAMES // 2, "num_labels": 10,
                  "parameters": sum(p.numel() for p in model.parameters()),
                  "initializers": len(proto.graph.initializer),
                  "external_initializers": len(ext),
                  "onnxruntime_vs_torch_max_diff": ort_diff},
        "input": {"name": onnx_in[0], "shape": list(x.shape), "dtype": "float32",
                  "file": "inputs/input_features.npy"},
        "output": {"name": onnx_out[0], "shape": list(base_out.shape)},
        "base": "expected/base.npy",
        "adapters": adapters,
        "tasks": [s["id"] for s in LARGE_ADAPTERS],
        "versions": versions(),
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(out_dir) for n in ns)
    print("%.1f MB in %s; %.0f s" % (size / 1e6, out_dir, time.time() - t0))


def main(argv):
    if argv and argv[0] == "--large":
        if len(argv) != 2:
            raise SystemExit("usage: make_peft_fixtures.py --large OUT_DIR")
        return main_large(argv[1])
    t0 = time.time()
    out_dir = argv[0] if argv else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "resources", "inject", "peft")
    out_dir = os.path.abspath(out_dir)
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    for sub in ("inputs", "expected", "adapters"):
        os.makedirs(os.path.join(out_dir, sub))
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    manifest = {"generator": GENERATOR, "tolerance": TOL, "models": {}, "adapters": {},
                "cases": [], "multitask": [], "skipped": []}
    bases = {}
    for fam in FAMILIES:
        model, inputs = make_family(fam)
        base_out = logits_of(model, inputs)
        bases[fam] = (model, inputs, base_out)
        input_files = {}
        for k, v in inputs.items():
            fn = "inputs/%s.%s.npy" % (fam, k)
            np.save(os.path.join(out_dir, fn), v.numpy())
            input_files[k] = fn
        np.save(os.path.join(out_dir, "expected", fam + ".base.npy"), base_out)
        print("%s: base logits %s" % (fam, np.array2string(base_out, precision=3)))
        for exporter in ("dynamo", "torchscript"):
            mid = "%s.%s" % (fam, exporter)
            path = os.path.join(out_dir, mid + ".onnx")
            try:
                proto, opset, ext = export(model, inputs, path, exporter)
                sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                onnx_in = [i.name for i in sess.get_inputs()]
                onnx_out = [o.name for o in sess.get_outputs()]
                if len(onnx_in) != len(inputs):
                    raise RuntimeError("inputs %s" % onnx_in)
                feed = {n: v.numpy() for n, v in zip(onnx_in, inputs.values())}
                got = sess.run([onnx_out[0]], feed)[0]
                diff = float(np.abs(got - base_out).max())
                if diff > CHECK_TOL:
                    raise RuntimeError("onnxruntime differs from torch by %g" % diff)
            except Exception as e:  # noqa: BLE001 - recorded in the manifest
                for p in (path, path + ".data"):
                    if os.path.exists(p):
                        os.remove(p)
                manifest["skipped"].append({"what": mid, "why": "%s: %s" % (type(e).__name__, e)})
                print("  %s skipped: %s" % (mid, e))
                continue
            absent, shared, aliases = describe_initializers(proto, model)
            data = os.path.exists(path + ".data")
            manifest["models"][mid] = {
                "file": mid + ".onnx", "family": fam, "exporter": exporter, "opset": opset,
                "inputs": {n: input_files[k] for n, k in zip(onnx_in, inputs)},
                "output": onnx_out[0], "base": "expected/%s.base.npy" % fam,
                "external_data": data, "external_data_file": mid + ".onnx.data" if data else None,
                "external_initializers": len(ext), "initializers": len(proto.graph.initializer),
                "onnxruntime_vs_torch_max_diff": diff,
                "parameters_not_initializer_names": absent,
                "parameters_sharing_an_initializer": shared,
                "identity_aliases_of_initializers": aliases}
            print("  %-22s opset %d, in %s out %s, ort diff %.2g, %d/%d initializers external,"
                  " %d parameter names absent, shared %s"
                  % (mid, opset, onnx_in, onnx_out, diff, len(ext), len(proto.graph.initializer),
                     len(absent), shared))

    print("adapters:")
    for spec in ADAPTERS:
        model, inputs, base_out = bases[spec["family"]]
        entry, copies = make_adapter(spec, model, inputs, base_out, out_dir)
        if entry is None:
            manifest["skipped"].append(copies)
            continue
        manifest["adapters"][spec["id"]] = entry
        manifest["adapters"].update(copies)

    for aid, a in manifest["adapters"].items():
        for mid, m in manifest["models"].items():
            if m["family"] == a["family"]:
                manifest["cases"].append({"name": "%s/%s" % (mid, aid), "model": mid,
                                          "adapter": aid})
    for fam, ids in MULTITASK:
        for mid, m in manifest["models"].items():
            if m["family"] == fam:
                manifest["multitask"].append({"model": mid, "adapters": ids})

    manifest["notes"] = {
        "expected": "logits from PyTorch/PEFT, eval mode, adapter active; the same file serves "
                    "both exports of a family (same base weights, same input)",
        "keys": "safetensors key -> shape as written (adapter_model.safetensors)",
        "dir": "folder holding adapter_config.json and adapter_model.safetensors; PEFT writes "
               "a non-default adapter name's files into <save dir>/<adapter name>/",
        "container": "q/k/v biases are all zero, so each exporter keeps one initializer for "
                     "them (see parameters_sharing_an_initializer / _not_initializer_names)",
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "versions.json"), "w") as f:
        json.dump(versions(), f, indent=2)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(out_dir) for n in ns)
    print("%d models, %d adapters, %d cases, %d skipped; %.1f KB in %s; %.0f s"
          % (len(manifest["models"]), len(manifest["adapters"]), len(manifest["cases"]),
             len(manifest["skipped"]), size / 1024.0, out_dir, time.time() - t0))


if __name__ == "__main__":
    main(sys.argv[1:])
