/** True when `err` (a @platformatic/kafka error, possibly aggregated) carries Kafka error `id`. */
export function isKafkaError(err: unknown, id: string): boolean {
  const findBy = (err as { findBy?: unknown } | null)?.findBy;
  return typeof findBy === 'function' && findBy.call(err, 'apiId', id) != null;
}

/**
 * A one-line description of an error, with the causes the Kafka client aggregates (its top-level
 * messages, like "Producing messages failed.", say little on their own).
 */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    const inner = [...new Set(err.errors.map((e: unknown) => describeError(e)))].join('; ');
    return `${err.message} (${inner})`;
  }
  return err instanceof Error ? err.message : String(err);
}
