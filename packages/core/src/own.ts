/**
 * Own-property helpers for objects keyed by user input (metadata keys). A plain assignment
 * `obj[key] = v` with key `__proto__` would replace the prototype instead of adding a key, and a
 * plain read of `constructor` would find Object.prototype's; these never do either.
 */

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
