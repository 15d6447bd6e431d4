import { FLAT_KERNEL_WASM_BASE64 } from './flat-kernel.wasm.js';

/**
 * The part of the WebAssembly JS API used here (the project's TypeScript libs are ES-only, without
 * the DOM's WebAssembly declarations; Node has the API itself).
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  l2(query: number, rows: number, n: number, stride: number, out: number): void;
  dot(query: number, rows: number, n: number, stride: number, out: number): void;
}

/** Compiled once per process; each FlatKernel instantiates it with a memory of its own. */
let compiled: object | undefined;

const PAGE = 65_536;
const FIRST_CAPACITY = 1_024;

/**
 * A float32 block of rows in WebAssembly memory and the SIMD kernel over it (flat-kernel.wat):
 * one call computes a query's float32 distance to every row. Memory layout: the query (one row),
 * the rows, then one float32 output per row. Rows are padded with zeros to a multiple of four
 * floats (a v128 lane); zeros add nothing to either sum. Capacity doubles as rows are added.
 */
export class FlatKernel {
  private readonly exports: KernelExports;
  /** Floats per row (the dimension rounded up to a multiple of 4). */
  private readonly stride: number;
  private capacity = 0;
  private floats: Float32Array;

  constructor(readonly dimension: number) {
    compiled ??= new wasm.Module(Buffer.from(FLAT_KERNEL_WASM_BASE64, 'base64'));
    this.exports = new wasm.Instance(compiled).exports as KernelExports;
    this.stride = Math.ceil(dimension / 4) * 4;
    this.floats = new Float32Array(this.exports.memory.buffer);
  }

  /** Bytes of WebAssembly memory held. */
  get bytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Makes room for at least `rows` rows (their contents are kept). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(FIRST_CAPACITY, this.capacity);
    while (capacity < rows) capacity *= 2;
    // The outputs move with the capacity; they are scratch, so nothing needs copying.
    const needed = (this.stride * (1 + capacity) + capacity) * 4;
    const memory = this.exports.memory;
    if (needed > memory.buffer.byteLength) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
      this.floats = new Float32Array(memory.buffer);
    }
    this.capacity = capacity;
  }

  /** Writes row `slot` (growing the block when it is the next one). */
  setRow(slot: number, vector: Float32Array): void {
    this.reserve(slot + 1);
    const at = this.stride * (1 + slot);
    this.floats.set(vector, at);
  }

  /** Copies row `from` over row `to`. */
  moveRow(from: number, to: number): void {
    const stride = this.stride;
    this.floats.copyWithin(stride * (1 + to), stride * (1 + from), stride * (2 + from));
  }

  /**
   * The float32 distance of `query` to each of the first n rows: Σ (q − row)² for `l2`, Σ q·row
   * for `dot`. A view into the kernel's memory, valid until the next call.
   */
  distances(query: Float32Array, n: number, kind: 'l2' | 'dot'): Float32Array {
    const stride = this.stride;
    this.floats.fill(0, 0, stride);
    this.floats.set(query, 0);
    const out = stride * (1 + this.capacity);
    this.exports[kind](0, stride * 4, n, stride, out * 4);
    return this.floats.subarray(out, out + n);
  }
}
