// Per-chunk latency of sherpa-onnx's Silero VAD (npm sherpa-onnx-node, pinned in package.json
// beside this file), fed 512-sample chunks of a 16 kHz mono 16-bit WAV, for comparison with
// `./stapes bench rt --pipeline vad` on the same file, model and chunking (vad_vs_sherpa.py).
//
// Usage (after `npm ci` in this directory):
//   node sherpa_vad_bench.js MODEL.onnx IN.wav REPEAT WARMUP_CHUNKS [TIMELINE.txt]
// Times Vad.acceptWaveform per chunk (one model run each: the window is 512 samples); detected
// segments are popped after the timed call, as an application would. TIMELINE.txt gets one
// latency in nanoseconds per line.
'use strict';
const fs = require('fs');
const sherpa = require('sherpa-onnx-node');

function fail(msg) {
  process.stderr.write('sherpa_vad_bench: ' + msg + '\n');
  process.exit(2);
}

function readPcm16Mono16k(path) {
  const b = fs.readFileSync(path);
  if (b.length < 12 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') {
    fail(path + ': not a RIFF/WAVE file');
  }
  let p = 12;
  let fmtOk = false;
  while (p + 8 <= b.length) {
    const id = b.toString('ascii', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (id === 'fmt ') {
      const format = b.readUInt16LE(p + 8);
      const channels = b.readUInt16LE(p + 10);
      const rate = b.readUInt32LE(p + 12);
      const bits = b.readUInt16LE(p + 22);
      if (format !== 1 || channels !== 1 || rate !== 16000 || bits !== 16) {
        fail(`${path}: format=${format} channels=${channels} rate=${rate} Hz bits=${bits}, expected PCM mono 16000 Hz 16-bit`);
      }
      fmtOk = true;
    } else if (id === 'data') {
      if (!fmtOk) fail(path + ': data chunk before fmt chunk');
      const n = Math.floor(Math.min(size, b.length - p - 8) / 2);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = b.readInt16LE(p + 8 + 2 * i) / 32768;
      return out;
    }
    p += 8 + size + (size & 1);
  }
  fail(path + ': no data chunk');
}

function pct(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

const args = process.argv.slice(2);
if (args.length < 4) fail('usage: node sherpa_vad_bench.js MODEL.onnx IN.wav REPEAT WARMUP_CHUNKS [TIMELINE.txt]');
const [model, wav, repeatArg, warmArg, timelinePath] = args;
const repeat = Number(repeatArg);
const warm = Number(warmArg);
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10000) fail(`REPEAT=${repeatArg}, expected 1 to 10000`);
if (!Number.isInteger(warm) || warm < 0 || warm > 1000000) fail(`WARMUP_CHUNKS=${warmArg}, expected 0 to 1000000`);
if (!fs.existsSync(model)) fail(model + ': no such file');
const audio = readPcm16Mono16k(wav);
const chunk = 512;
const perPass = Math.floor(audio.length / chunk);
if (perPass < 1) fail(`${wav}: ${audio.length} samples, expected at least one chunk of ${chunk}`);

const vad = new sherpa.Vad({
  sileroVad: {model, threshold: 0.5, minSpeechDuration: 0.25, minSilenceDuration: 0.1, windowSize: chunk},
  sampleRate: 16000,
  numThreads: 1,
  provider: 'cpu',
  debug: 0,
}, 60);

function drain() {
  while (!vad.isEmpty()) vad.pop();
}

let pos = 0;
for (let i = 0; i < warm; i++) {
  vad.acceptWaveform(audio.subarray(pos * chunk, pos * chunk + chunk));
  drain();
  pos = pos + 1 === perPass ? 0 : pos + 1;
}
const total = perPass * repeat;
const t = new Float64Array(total);
const cpu0 = process.cpuUsage();
for (let i = 0; i < total; i++) {
  const at = i % perPass;
  const c = audio.subarray(at * chunk, at * chunk + chunk);
  const s = process.hrtime.bigint();
  vad.acceptWaveform(c);
  t[i] = Number(process.hrtime.bigint() - s);
  drain();
}
const cpu = process.cpuUsage(cpu0);
if (timelinePath) {
  fs.writeFileSync(timelinePath, Array.from(t, (v) => String(v)).join('\n') + '\n');
}
const s = Array.from(t).sort((a, b) => a - b);
const us = (v) => (v / 1e3).toFixed(1);
console.log(`sherpa-onnx-node ${sherpa.version} (onnxruntime ${sherpa.onnxruntimeVersion}) Vad.acceptWaveform: ${total} chunks of 512 samples`);
console.log(`p50 ${us(pct(s, 0.5))} us  p99 ${us(pct(s, 0.99))} us  p99.9 ${us(pct(s, 0.999))} us  max ${us(s[s.length - 1])} us  cpu ${((cpu.user + cpu.system) / total).toFixed(1)} us/chunk (process)`);
