// Per-hop latency of sherpa-onnx's streaming GTCRN denoiser (npm sherpa-onnx-node) on the authors'
// clip, fed in 16 ms blocks as an audio callback would, for comparison with `stapes enhance`.
// It also reports the max abs difference of its output from the authors' enh_stream.wav.
//
// Usage (in a directory where `npm install sherpa-onnx-node` was run):
//   node sherpa_denoiser_bench.js MODEL_WITH_METADATA.onnx MIX.wav ENH_STREAM.wav [HOPS]
// where MODEL_WITH_METADATA.onnx comes from ../python/gtcrn_sherpa_metadata.py.
'use strict';
const fs = require('fs');
const sherpa = require('sherpa-onnx-node');

function readPcm16(path) {
  const b = fs.readFileSync(path);
  let p = 12;
  while (p + 8 <= b.length) {
    const id = b.toString('ascii', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (id === 'data') {
      const n = size / 2;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = b.readInt16LE(p + 8 + 2 * i) / 32768;
      return out;
    }
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk in ' + path);
}

function pct(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

const [model, mixPath, refPath, hopsArg] = process.argv.slice(2);
const hops = parseInt(hopsArg || '20000', 10);
const mix = readPcm16(mixPath);
const ref = readPcm16(refPath);
const cfg = {model: {gtcrn: {model}, numThreads: 1, provider: 'cpu', debug: 0}};

// accuracy: one pass over the clip
let d = new sherpa.OnlineSpeechDenoiser(cfg);
const hop = d.frameShiftInSamples;
const parts = [];
for (let off = 0; off + hop <= mix.length; off += hop) {
  parts.push(d.run({samples: mix.subarray(off, off + hop), sampleRate: 16000}).samples);
}
parts.push(d.flush().samples);
const total = parts.reduce((a, p) => a + p.length, 0);
const y = new Float32Array(total);
let k = 0;
for (const p of parts) { y.set(p, k); k += p.length; }
let maxd = 0;
for (let i = 0; i < Math.min(ref.length, y.length); i++) maxd = Math.max(maxd, Math.abs(y[i] - ref[i]));

// latency: hops blocks of 16 ms, after a warm-up
d = new sherpa.OnlineSpeechDenoiser(cfg);
const blocks = Math.floor(mix.length / hop);
const warm = Math.min(2000, Math.floor(hops / 5));
for (let i = 0; i < warm; i++) d.run({samples: mix.subarray((i % blocks) * hop, (i % blocks) * hop + hop), sampleRate: 16000});
const t = new Float64Array(hops);
for (let i = 0; i < hops; i++) {
  const s = process.hrtime.bigint();
  d.run({samples: mix.subarray((i % blocks) * hop, (i % blocks) * hop + hop), sampleRate: 16000});
  t[i] = Number(process.hrtime.bigint() - s) / 1e6;
}
const s = Array.from(t).sort((a, b) => a - b);
const mean = s.reduce((a, v) => a + v, 0) / s.length;
console.log(`sherpa-onnx-node ${sherpa.version} (onnxruntime ${sherpa.onnxruntimeVersion}) OnlineSpeechDenoiser.run, 256-sample blocks`);
console.log(`hops=${hops} p50=${pct(s, 0.5).toFixed(3)} ms p99=${pct(s, 0.99).toFixed(3)} ms p99.9=${pct(s, 0.999).toFixed(3)} ms max=${s[s.length - 1].toFixed(3)} ms mean=${mean.toFixed(3)} ms`);
console.log(`output ${y.length} samples for ${mix.length} in; max abs diff vs enh_stream.wav over ${Math.min(ref.length, y.length)} samples: ${maxd.toExponential(3)}`);
