/**
 * Seeded data for the segment tests and the benchmark: a deterministic RNG, a Gaussian-mixture
 * dataset (what real embeddings look like more than uniform noise does), records around vectors,
 * and exact k-NN with @huedb/core's distances to compare against.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { distanceFn, type Space } from '@huedb/core';
import type { SegmentRecord } from '../src/index.js';

/** mulberry32: a small, fast, seeded PRNG with uniform output in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sampler (Box–Muller) over `random`. */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * `count` vectors from a mixture of `clusters` isotropic Gaussians: centers ~ N(0, 1) per
 * coordinate, points = a random center + N(0, spread²) noise.
 */
export function clusteredVectors(
  count: number,
  dimension: number,
  clusters: number,
  seed: number,
  spread = 0.35,
): Float32Array[] {
  const random = rng(seed);
  const normal = gaussian(random);
  const centers = Array.from({ length: clusters }, () => {
    const c = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) c[i] = normal();
    return c;
  });
  return Array.from({ length: count }, () => {
    const center = centers[Math.floor(random() * clusters)]!;
    const v = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) v[i] = center[i]! + spread * normal();
    return v;
  });
}

/** Uniform vectors in [-1, 1)^dimension. */
export function uniformVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const random = rng(seed);
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) v[i] = random() * 2 - 1;
    return v;
  });
}

/** Records around vectors: id `r<i>`, a document, every third without metadata, some uris. */
export function recordsOf(vectors: readonly Float32Array[], prefix = 'r'): SegmentRecord[] {
  return vectors.map((embedding, i) => ({
    id: `${prefix}${i}`,
    embedding,
    document: i % 5 === 4 ? null : `document ${i}`,
    uri: i % 7 === 0 ? `s3://bucket/${i}` : null,
    metadata: i % 3 === 2 ? null : { bucket: i % 10, even: i % 2 === 0, tag: `t${i % 4}` },
  }));
}

/** Exact k nearest (position, distance) by brute force, ties by position. */
export function exactKnn(
  vectors: readonly Float32Array[],
  query: Float32Array,
  k: number,
  space: Space,
  admits: (position: number) => boolean = () => true,
): { position: number; distance: number }[] {
  const distance = distanceFn(space);
  const all: { position: number; distance: number }[] = [];
  vectors.forEach((v, position) => {
    if (admits(position)) all.push({ position, distance: distance(query, v) });
  });
  all.sort((a, b) => a.distance - b.distance || a.position - b.position);
  return all.slice(0, k);
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huedb-index-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
