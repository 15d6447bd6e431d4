/**
 * Floats as Chroma writes them in JSON. Python clients parse `1.0` as a float and `1` as an int,
 * so an embedding, a distance or a float metadata value must keep its fraction. Chroma 1.5.9's
 * text, observed over the wire: the shortest decimal that reads back as the same float (float32
 * for embeddings and distances, float64 for metadata), written like ryu's "pretty" format —
 * positional with `.0` for integral values while the decimal exponent is in range (float32: up
 * to 13 digits before the point and 5 zeros after it; float64: 16 and 4), otherwise scientific
 * with an explicit sign (`1e+20`, `1e-7`, `1.2345678901234567e+19`); `-0.0` keeps its sign;
 * non-finite values (only a float32 overflow can make one) are `null`.
 */

/** The precision a float is written with. */
export type FloatPrecision = 'f32' | 'f64';

const LIMITS: { readonly [p in FloatPrecision]: { maxDigitsBefore: number; minExponent: number } } =
  {
    f32: { maxDigitsBefore: 13, minExponent: -6 },
    f64: { maxDigitsBefore: 16, minExponent: -5 },
  };

/**
 * The JSON number that prints as the shortest decimal that reads back as the same float32, so a
 * stored 0.1f is returned as 0.1 (as Chroma does) rather than 0.10000000149011612.
 */
export function float32ForJson(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value; // keeps -0's sign
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

/**
 * A float's JSON text, as Chroma writes it (see the module description).
 * @param value - the number; with `f32` it is rounded to float32 first
 * @param precision - which float type it is
 */
export function formatFloat(value: number, precision: FloatPrecision): string {
  const v = precision === 'f32' ? float32ForJson(Math.fround(value)) : value;
  if (!Number.isFinite(v)) return 'null';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (v === 0) return `${sign}0.0`;
  // toExponential() with no argument gives the shortest digits that read back as `v`.
  const [mantissa, exp] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(exp);
  const before = exponent + 1; // digits before the decimal point in positional form
  const { maxDigitsBefore, minExponent } = LIMITS[precision];
  if (before > 0 && before <= maxDigitsBefore) {
    return digits.length <= before
      ? `${sign}${digits}${'0'.repeat(before - digits.length)}.0`
      : `${sign}${digits.slice(0, before)}.${digits.slice(before)}`;
  }
  if (before <= 0 && before > minExponent) return `${sign}0.${'0'.repeat(-before)}${digits}`;
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}
