import { describe, expect, it } from 'vitest';
import { grpcClientOptionsOf, grpcTlsOf, grpcTlsSettings, rpcSettings } from './common-settings.js';
import { ConfigError, loadSettings } from './settings.js';

const load = (env: Record<string, string>) =>
  loadSettings({ ...rpcSettings, ...grpcTlsSettings }, { env });

describe('gRPC link settings', () => {
  it('are plaintext, 30 s and 2 retries by default', () => {
    expect(grpcClientOptionsOf(load({}))).toEqual({
      timeoutMs: 30_000,
      retries: 2,
      tls: undefined,
    });
  });

  it('turn TLS on with a certificate and its key, mutual with client auth and a CA', () => {
    const tls = grpcTlsOf(
      load({
        HUEDB_GRPC_TLS_CERT: '/c.pem',
        HUEDB_GRPC_TLS_KEY: '/k.pem',
        HUEDB_GRPC_TLS_CA: '/ca.pem',
        HUEDB_GRPC_TLS_CLIENT_AUTH: 'true',
      }),
    );
    expect(tls).toEqual({
      certFile: '/c.pem',
      keyFile: '/k.pem',
      caFile: '/ca.pem',
      requireClientCert: true,
      serverName: undefined,
    });
  });

  it('refuse half a pair, and client auth without a CA or a certificate', () => {
    expect(() => grpcTlsOf(load({ HUEDB_GRPC_TLS_CERT: '/c.pem' }))).toThrow(ConfigError);
    expect(() =>
      grpcTlsOf(
        load({
          HUEDB_GRPC_TLS_CERT: '/c.pem',
          HUEDB_GRPC_TLS_KEY: '/k.pem',
          HUEDB_GRPC_TLS_CLIENT_AUTH: 'true',
        }),
      ),
    ).toThrow(/HUEDB_GRPC_TLS_CA/);
    expect(() => grpcTlsOf(load({ HUEDB_GRPC_TLS_CLIENT_AUTH: 'true' }))).toThrow(ConfigError);
    expect(() => load({ HUEDB_RPC_RETRIES: '11' })).toThrow(/HUEDB_RPC_RETRIES/);
  });
});
