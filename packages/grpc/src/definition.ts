import {
  create,
  fromBinary,
  toBinary,
  type DescMethod,
  type DescService,
} from '@bufbuild/protobuf';
import type { ServiceDefinition, MethodDefinition } from '@grpc/grpc-js';

/** Messages up to this size cross the wire (a 1,000-record batch of 4,096-d vectors is ~16 MiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The grpc-js definition of a protobuf-es service: paths and binary codecs for each method. */
export function toGrpcDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    assertUnary(method);
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value) =>
        Buffer.from(toBinary(method.input, create(method.input, value as never))),
      requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
      responseSerialize: (value) =>
        Buffer.from(toBinary(method.output, create(method.output, value as never))),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
  }
  return definition;
}

function assertUnary(method: DescMethod): void {
  if (method.methodKind !== 'unary') {
    throw new Error(
      `${method.parent.typeName}.${method.name} is ${method.methodKind}; only unary RPCs are supported`,
    );
  }
}
