import { readFileSync } from 'node:fs';
import { ChannelCredentials, ServerCredentials } from '@grpc/grpc-js';

/**
 * TLS on a gRPC link, one shape for both ends (every service is a server and a client of others,
 * with one certificate). Files are PEM; they are read when a server binds or a client is made, so a
 * missing file stops the service at start.
 */
export interface TlsOptions {
  /** This service's certificate chain: served to callers, presented to callees when asked. */
  certFile: string;
  /** Its private key. */
  keyFile: string;
  /** The CA that signs the cluster's certificates. Default: the system's roots. */
  caFile?: string | undefined;
  /** Servers refuse callers without a certificate signed by `caFile` (mutual TLS). */
  requireClientCert?: boolean | undefined;
  /** The name a client checks the server's certificate against, instead of the address's host. */
  serverName?: string | undefined;
}

const read = (file: string, what: string): Buffer => {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(
      `gRPC TLS ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
};

/** Server credentials: plaintext without `tls`. */
export function serverCredentials(tls: TlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (tls.requireClientCert && !tls.caFile) {
    throw new Error('gRPC TLS: requiring client certificates needs a CA to check them against');
  }
  return ServerCredentials.createSsl(
    tls.caFile ? read(tls.caFile, 'CA') : null,
    [{ cert_chain: read(tls.certFile, 'certificate'), private_key: read(tls.keyFile, 'key') }],
    tls.requireClientCert ?? false,
  );
}

/** Client credentials (the certificate is presented, so the same settings serve mutual TLS). */
export function clientCredentials(tls: TlsOptions | undefined): ChannelCredentials {
  if (!tls) return ChannelCredentials.createInsecure();
  return ChannelCredentials.createSsl(
    tls.caFile ? read(tls.caFile, 'CA') : null,
    read(tls.keyFile, 'key'),
    read(tls.certFile, 'certificate'),
  );
}
