// Minimal .npy reading and writing for the ONNX Runtime judge (little- and big-endian, C and Fortran order).
'use strict';
const fs = require('fs');

const TYPES = {
  f4: ['float32', Float32Array], f8: ['float64', Float64Array], i1: ['int8', Int8Array],
  i2: ['int16', Int16Array], i4: ['int32', Int32Array], i8: ['int64', BigInt64Array],
  u1: ['uint8', Uint8Array], b1: ['bool', Uint8Array], u2: ['uint16', Uint16Array],
  u4: ['uint32', Uint32Array], u8: ['uint64', BigUint64Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([<>|=])(\w+)'/.exec(header);
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [type, Ctor] = TYPES[descr[2]] || [];
  if (!type) throw new Error(`${file}: unsupported dtype ${descr[2]}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = Buffer.from(buf.subarray(start + headerLen, start + headerLen + count * Ctor.BYTES_PER_ELEMENT));
  if (descr[1] === '>' && Ctor.BYTES_PER_ELEMENT > 1) swap(bytes, Ctor.BYTES_PER_ELEMENT);
  let data = new Ctor(bytes.buffer, bytes.byteOffset, count);
  if (fortran && shape.length > 1) data = fromFortran(data, shape, Ctor);
  return { type, shape, data: type === 'bool' ? Uint8Array.from(data) : data };
}

function swap(bytes, size) {
  if (size === 2) bytes.swap16(); else if (size === 4) bytes.swap32(); else if (size === 8) bytes.swap64();
}

function fromFortran(data, shape, Ctor) {
  const out = new Ctor(data.length);
  const rank = shape.length;
  const index = new Array(rank).fill(0);
  for (let f = 0; f < data.length; f++) {
    let c = 0;
    for (let d = 0; d < rank; d++) c = c * shape[d] + index[d];
    out[c] = data[f];
    for (let d = 0; d < rank; d++) { if (++index[d] < shape[d]) break; index[d] = 0; }
  }
  return out;
}

const DESCR = { float32: '<f4', float64: '<f8', int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8',
  uint8: '|u1', bool: '|b1', uint16: '<u2', uint32: '<u4', uint64: '<u8' };

function writeNpy(file, type, shape, data) {
  const descr = DESCR[type];
  if (!descr) throw new Error(`cannot write ${type} to .npy`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
  fs.renameSync(tmp, file);
}

module.exports = { readNpy, writeNpy };
