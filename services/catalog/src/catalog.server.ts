import { addService, createGrpcServer, listen, type TlsOptions } from '@huedb/grpc';
import { CatalogService as CatalogServiceDescriptor } from '@huedb/proto/catalog';
import { ControlService as ControlServiceDescriptor } from '@huedb/proto/control';
import { createCatalogHandlers } from './catalog.grpc.js';
import { CatalogService, type CatalogServiceOptions } from './catalog.service.js';
import { createControlHandlers } from './control/control.grpc.js';
import { ControlService, type ControlServiceOptions } from './control/control.service.js';
import type { SqlDriver } from './sql/sql-driver.js';

/** The catalog's rules on a driver (whose schema is migrated): what a process wires up. */
export function createCatalogService(
  driver: SqlDriver,
  options: CatalogServiceOptions,
): CatalogService {
  return CatalogService.on(driver, options);
}

/** The control plane's rules on the same driver (docs/decisions/0020-control-plane-location.md). */
export function createControlService(
  driver: SqlDriver,
  options: ControlServiceOptions = {},
): ControlService {
  return ControlService.on(driver, options);
}

/** A running catalog gRPC server. */
export interface CatalogServer {
  /** The bound port (useful with port 0). */
  port: number;
  /**
   * Stops accepting calls, lets in-flight ones finish for up to `graceMs` (default 10 s), then
   * cuts the rest. Does not close the driver.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves `service` over gRPC at `address` ("host:port"; port 0 picks a free one), and with
 * `control` the control plane's huedb.control.v1.ControlService on the same port.
 */
export async function startCatalogServer(
  service: CatalogService,
  address: string,
  options: {
    control?: ControlService;
    onInternalError?: (method: string, err: unknown) => void;
    /** Serve TLS; plaintext without. */
    tls?: TlsOptions | undefined;
  } = {},
): Promise<CatalogServer> {
  const server = createGrpcServer();
  const { control, tls, ...serviceOptions } = options;
  addService(server, CatalogServiceDescriptor, createCatalogHandlers(service), serviceOptions);
  if (control) {
    addService(server, ControlServiceDescriptor, createControlHandlers(control), serviceOptions);
  }
  const port = await listen(server, address, { tls });
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
