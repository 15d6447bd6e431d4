/**
 * The JSON number that prints as the shortest decimal that reads back as the same float32, so a
 * stored 0.1f is returned as 0.1 (as Chroma does) rather than 0.10000000149011612.
 */
export function float32ForJson(value: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

/** A float32 vector as a plain array of JSON-friendly numbers. */
export function vectorForJson(vector: Float32Array): number[] {
  const out = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = float32ForJson(vector[i]!);
  return out;
}
