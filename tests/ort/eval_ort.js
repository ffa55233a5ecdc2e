#!/usr/bin/env node
// Measures a model's task metric in ONNX Runtime (CPU), so quality floors are judged by ORT on the file.
//   node eval_ort.js MODEL classify IMAGES.npy LABELS.npy OUT_PREDICTIONS.npy [--batch N] [--scale S] [--limit N]
//     the first N images (default all) are multiplied by S (default 1/255 for uint8) and fed to the first input; prints
//     {"count":..,"top1":..} and writes the argmax class of each image (int64) for agreement checks.
//   node eval_ort.js MODEL bytes TEXT_FILE [--context T] [--batch N] [--windows N]
//                    [--logits-out FILE.npy --logits-windows W]
//     byte-level perplexity over the first N (default all) consecutive non-overlapping windows (as our evaluateBytePerplexity);
//     prints {"windows":..,"perplexity":..}; optionally writes the logits of the first W windows.
//   node eval_ort.js MODEL tokens IDS.npy [same options as bytes]
//     the same over a token sequence (int64 .npy, e.g. a text encoded by a checkpoint's tokenizer.json).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

async function classify(session, args) {
  const [imagesFile, labelsFile, predictionsFile] = args;
  const images = readNpy(imagesFile);
  const labels = readNpy(labelsFile);
  const batch = Number(option(args, '--batch', 100));
  const scale = Number(option(args, '--scale', images.type === 'uint8' ? 1 / 255 : 1));
  const n = Math.min(images.shape[0], Number(option(args, '--limit', images.shape[0])));
  const per = images.data.length / images.shape[0];
  const predictions = new BigInt64Array(n);
  let correct = 0;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const x = new Float32Array((end - start) * per);
    for (let i = 0; i < x.length; i++) x[i] = Number(images.data[start * per + i]) * scale;
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [end - start, ...images.shape.slice(1)]) };
    const logits = (await session.run(feeds))[session.outputNames[0]];
    const classes = logits.dims[1];
    for (let r = 0; r < end - start; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits.data[r * classes + c] > logits.data[r * classes + best]) best = c;
      predictions[start + r] = BigInt(best);
      if (BigInt(best) === BigInt(labels.data[start + r])) correct++;
    }
  }
  writeNpy(predictionsFile, 'int64', [n], predictions);
  return { count: n, top1: correct / n };
}

async function bytes(session, args) {
  return perplexity(session, fs.readFileSync(args[0]), args);
}

async function tokens(session, args) {
  const ids = readNpy(args[0]);
  if (ids.shape.length !== 1) throw new Error(`${args[0]}: expected a 1-D array of token ids`);
  return perplexity(session, Array.from(ids.data, Number), args);
}

// Next-token perplexity over consecutive non-overlapping windows of `text` (bytes or token ids).
async function perplexity(session, text, args) {
  const context = Number(option(args, '--context', 256));
  const batch = Number(option(args, '--batch', 8));
  const logitsOut = option(args, '--logits-out', null);
  const logitsWindows = Number(option(args, '--logits-windows', 0));
  const windows = Math.min(Math.floor((text.length - 1) / context), Number(option(args, '--windows', Infinity)));
  let nll = 0, count = 0;
  const kept = [];
  for (let w0 = 0; w0 < windows; w0 += batch) {
    const w1 = Math.min(windows, w0 + batch);
    const ids = new BigInt64Array((w1 - w0) * context);
    for (let w = w0; w < w1; w++)
      for (let t = 0; t < context; t++) ids[(w - w0) * context + t] = BigInt(text[w * context + t]);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('int64', ids, [w1 - w0, context]) };
    const logits = (await session.run(feeds))[session.outputNames[0]];
    const vocab = logits.dims[2];
    for (let w = w0; w < w1; w++) {
      for (let t = 0; t < context; t++) {
        const row = ((w - w0) * context + t) * vocab;
        let max = -Infinity;
        for (let v = 0; v < vocab; v++) max = Math.max(max, logits.data[row + v]);
        let sum = 0;
        for (let v = 0; v < vocab; v++) sum += Math.exp(logits.data[row + v] - max);
        const target = text[w * context + t + 1];
        nll += Math.log(sum) + max - logits.data[row + target];
        count++;
      }
      if (w < logitsWindows) kept.push(logits.data.slice((w - w0) * context * vocab, (w - w0 + 1) * context * vocab));
    }
  }
  if (logitsOut && kept.length) {
    const vocab = kept[0].length / context;
    const all = new Float32Array(kept.length * context * vocab);
    kept.forEach((k, i) => all.set(k, i * context * vocab));
    writeNpy(logitsOut, 'float32', [kept.length, context, vocab], all);
  }
  return { windows, predictions: count, perplexity: Math.exp(nll / count) };
}

async function main() {
  const [model, task, ...rest] = process.argv.slice(2);
  const tasks = { classify, bytes, tokens };
  if (!model || !tasks[task]) {
    console.error('usage: eval_ort.js MODEL classify|bytes|tokens ... (see the header of this file)');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const result = await tasks[task](session, rest);
  console.log(JSON.stringify(result));
}

main().catch(e => { console.error(`eval_ort: ${e.message}`); process.exit(1); });
