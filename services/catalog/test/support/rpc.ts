import { codeName, RpcError, type Code } from '@huedb/grpc';
import { expect } from 'vitest';

/** Awaits a call that must fail and returns its RpcError. */
export async function failure(call: Promise<unknown>): Promise<RpcError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').toBeInstanceOf(RpcError);
  return err as RpcError;
}

/** Asserts that `call` fails with `code` and a message matching `message`. */
export async function expectCode(
  call: Promise<unknown>,
  code: Code,
  message?: string | RegExp,
): Promise<void> {
  const err = await failure(call);
  expect(codeName(err.code), err.message).toBe(codeName(code));
  if (message !== undefined) {
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  }
}

/** Metadata in the init shape the client accepts, from an object of values. */
export function metadataInit<V>(fields: Record<string, V>) {
  return { entries: Object.entries(fields).map(([key, value]) => ({ key, value })) };
}

/** A decoded metadata's entries as an object keyed by key (test reads). */
export function fieldsOf<V>(metadata: { entries: { key: string; value?: V }[] } | undefined) {
  return Object.fromEntries((metadata?.entries ?? []).map((e) => [e.key, e.value])) as Record<
    string,
    V | undefined
  >;
}

/** Metadata values in the init shape the client accepts. */
export const meta = {
  str: (value: string) => ({ kind: { case: 'stringValue' as const, value } }),
  int: (value: bigint) => ({ kind: { case: 'intValue' as const, value } }),
  float: (value: number) => ({ kind: { case: 'floatValue' as const, value } }),
  bool: (value: boolean) => ({ kind: { case: 'boolValue' as const, value } }),
  ints: (values: bigint[]) => ({ kind: { case: 'intList' as const, value: { values } } }),
  floats: (values: number[]) => ({ kind: { case: 'floatList' as const, value: { values } } }),
  strs: (values: string[]) => ({ kind: { case: 'stringList' as const, value: { values } } }),
};
