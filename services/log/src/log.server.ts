import { addService, createGrpcServer, listen, type TlsOptions } from '@huedb/grpc';
import { LogService as LogServiceDescriptor } from '@huedb/proto/log';
import type { WriteAheadLog } from '@huedb/wal';
import { createLogHandlers } from './log.grpc.js';
import type { LogServiceOptions } from './log.service.js';

/** A running log gRPC server. */
export interface LogServer {
  /** The bound port (useful with port 0). */
  port: number;
  /**
   * Stops accepting calls, lets in-flight ones finish for up to `graceMs` (default 10 s), then
   * cuts the rest. Does not close the WAL.
   */
  close(graceMs?: number): Promise<void>;
}

/** Options of {@link startLogServer}. */
export interface LogServerOptions extends LogServiceOptions {
  /** Called with every unexpected handler error (answered INTERNAL). */
  onInternalError?: (method: string, err: unknown) => void;
  /** Serve TLS; plaintext without. */
  tls?: TlsOptions | undefined;
}

/** Serves the log on `wal` over gRPC at `address` ("host:port"; port 0 picks a free one). */
export async function startLogServer(
  wal: WriteAheadLog,
  address: string,
  options: LogServerOptions = {},
): Promise<LogServer> {
  const server = createGrpcServer();
  addService(server, LogServiceDescriptor, createLogHandlers(wal, options), {
    onInternalError: options.onInternalError,
  });
  const port = await listen(server, address, { tls: options.tls });
  return {
    port,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
