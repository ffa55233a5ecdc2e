#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (CPU) on .npy inputs and writes each output as OUTDIR/NAME.npy.
//   node run_ort.js MODEL OUTDIR [--threads N] [--bench ITERS [--warmup N]] [--config KEY=VALUE ...] NAME=FILE.npy ...
// --config sets a session configuration entry (onnxruntime_session_options_config_keys.h), e.g.
// session.qdq_matmulnbits_accuracy_level=1.
// With --bench it also prints one JSON line: {"median_ms":..,"p90_ms":..,"iterations":..,"threads":..}.
'use strict';
const path = require('path');
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

function quantile(sorted, q) {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 2) {
    console.error('usage: run_ort.js MODEL OUTDIR [--threads N] [--bench ITERS [--warmup N]] [--config KEY=VALUE ...] ' +
      'NAME=FILE.npy ...');
    process.exit(2);
  }
  const [model, outDir, ...rest] = args;
  let threads = 0, benchIters = 0, warmup = 5;
  const feeds = {};
  const config = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--threads') threads = Number(rest[++i]);
    else if (rest[i] === '--config') {
      // "session.some_key=value" -> { session: { some_key: "value" } }, the form sessionOptions.extra takes.
      const entry = rest[++i];
      const eq = entry.indexOf('=');
      const path = entry.slice(0, eq).split('.');
      let node = config;
      for (const part of path.slice(0, -1)) node = node[part] = node[part] || {};
      node[path[path.length - 1]] = entry.slice(eq + 1);
    }
    else if (rest[i] === '--bench') benchIters = Number(rest[++i]);
    else if (rest[i] === '--warmup') warmup = Number(rest[++i]);
    else {
      const eq = rest[i].indexOf('=');
      const arr = readNpy(rest[i].slice(eq + 1));
      feeds[rest[i].slice(0, eq)] = new ort.Tensor(arr.type, arr.data, arr.shape);
    }
  }
  const options = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (threads > 0) { options.intraOpNumThreads = threads; options.interOpNumThreads = 1; }
  if (Object.keys(config).length > 0) options.extra = config;
  const session = await ort.InferenceSession.create(model, options);
  let results = await session.run(feeds);
  if (benchIters > 0) {
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    const samples = [];
    for (let i = 0; i < benchIters; i++) {
      const t0 = process.hrtime.bigint();
      results = await session.run(feeds);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((a, b) => a - b);
    console.log(JSON.stringify({ median_ms: quantile(samples, 0.5), p90_ms: quantile(samples, 0.9),
      iterations: benchIters, threads }));
  }
  for (const name of session.outputNames) {
    const t = results[name];
    const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
    writeNpy(path.join(outDir, `${safe}.npy`), t.type, t.dims, t.data);
  }
}

main().catch(e => { console.error(`run_ort: ${e.message}`); process.exit(1); });
