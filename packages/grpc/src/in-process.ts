import { create, type DescService } from '@bufbuild/protobuf';
import { Code, RpcError, rpcErrorOf } from './rpc-error.js';
import { currentScope, outgoingDeadline, runInScope } from './scope.js';
import type { CallOptions, ServiceClient, ServiceHandlers } from './types.js';

/**
 * A client that calls `handlers` directly, with the same contract as a gRPC client: requests and
 * responses are normalized through the schemas, and every failure is an RpcError (non-RpcErrors
 * become INTERNAL, as over the wire). Single-node mode wires services with it: no network hop,
 * no behaviour that only one of the two paths has.
 */
export function inProcessClient<S extends DescService>(
  service: S,
  handlers: ServiceHandlers<S>,
): ServiceClient<S> {
  const api: Record<string, unknown> = { close: () => {} };
  for (const method of service.methods) {
    const handler = (handlers as Record<string, ServiceHandlers<S>[keyof ServiceHandlers<S>]>)[
      method.localName
    ];
    if (!handler) throw new Error(`no handler for ${service.typeName}.${method.name}`);
    api[method.localName] = async (request: unknown, options: CallOptions = {}) => {
      const signal = options.signal ?? new AbortController().signal;
      const caller = options.scope ?? currentScope();
      // The handler sees what it would see over gRPC: the caller's scope, a bounded deadline
      // (reported, not enforced: nothing crosses a network that could hang).
      const scope = {
        ...caller,
        deadline: outgoingDeadline(options.timeoutMs ?? 30_000, caller),
      };
      try {
        const response = await runInScope(scope, () =>
          handler(create(method.input, request as never) as never, {
            ...scope,
            signal,
            peer: 'in-process',
          }),
        );
        return create(method.output, response as never);
      } catch (err) {
        const known = rpcErrorOf(err);
        if (known) throw known;
        const message = err instanceof Error ? err.message : String(err);
        throw new RpcError(Code.INTERNAL, `${service.typeName}.${method.name}: ${message}`);
      }
    };
  }
  return api as ServiceClient<S>;
}
