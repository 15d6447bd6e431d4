/**
 * Own-property helpers for objects keyed by user input (metadata keys). A plain assignment
 * `obj[key] = v` with key `__proto__` would replace the prototype instead of adding a key, and a
 * plain read of `constructor` would find Object.prototype's; these never do either. Objects that
 * HueDB builds from user keys are also created without a prototype ({@link nullObject}), so even
 * a plain read or write there cannot reach Object.prototype.
 */

/**
 * A new object with no prototype, for maps keyed by user input: `__proto__`, `constructor` and
 * `toString` are ordinary keys in it. JSON.stringify, Object.keys/entries and spreads treat it as
 * any other object.
 */
export function nullObject<T>(): { [key: string]: T } {
  return Object.create(null) as { [key: string]: T };
}

/**
 * Sets `obj[key] = value` as an own, enumerable property, whatever the key.
 * @param obj - the object to change
 * @param key - any string
 * @param value - the value
 */
export function setOwn<T>(obj: { [key: string]: T }, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `obj[key]` when it is an own property, else undefined.
 * @param obj - the object to read
 * @param key - any string
 */
export function getOwn<T>(obj: { readonly [key: string]: T }, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
