import { ChromaClient } from 'chromadb';
import { adminHeaders, getGatewayUrls, tokenHeaders, uniqueName } from '@huedb/testing';

/**
 * The official JS client against gateway `i` of the e2e deployment, carrying its admin token
 * (the cluster runs with auth on; single-node, as `chroma run`, without: then no header).
 */
export function chromaClient(
  i = 0,
  options: { tenant?: string; database?: string; headers?: Record<string, string> } = {},
): ChromaClient {
  const url = new URL(getGatewayUrls()[i % getGatewayUrls().length]!);
  return new ChromaClient({
    host: url.hostname,
    port: Number(url.port),
    ssl: false,
    ...options,
    headers: { ...adminHeaders(), ...options.headers },
  });
}

/**
 * A raw HTTP call to gateway `i`, for wire-level checks (status codes, error names); as the
 * deployment's admin unless `options.headers` says otherwise.
 */
export async function http(
  method: string,
  path: string,
  body?: unknown,
  options: { gateway?: number; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const base = getGatewayUrls()[(options.gateway ?? 0) % getGatewayUrls().length]!;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...adminHeaders(), ...options.headers },
    body: options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** A collection name no other test uses. */
export function collectionName(prefix = 'c'): string {
  return uniqueName(prefix).replace(/_/g, '-');
}

export interface DatabaseApiOptions {
  token?: string | undefined;
  tenant?: string;
  database?: string;
}

export const DB = '/api/v2/tenants/default_tenant/databases/default_database';

/**
 * A JSON caller for one database of a gateway (suites that run their own cluster or node),
 * presenting `token` (the cluster's `adminToken`) when there is one.
 */
export function databaseApi(
  gatewayUrl: string,
  { token, tenant = 'default_tenant', database = 'default_database' }: DatabaseApiOptions = {},
) {
  const base = `${gatewayUrl}/api/v2/tenants/${tenant}/databases/${database}`;
  return async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...tokenHeaders(token) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

/** The gateway's answers to refused credentials, in Chroma's error shape (decision 0022). */
export const AUTH_ERRORS = {
  missing: {
    error: 'ChromaError',
    message:
      'Unauthorized: send an API key in the x-chroma-token header or as Authorization: Bearer <key>',
  },
  invalid: { error: 'ChromaError', message: 'Unauthorized: invalid credentials' },
  denied: { error: 'ChromaError', message: 'Permission denied.' },
} as const;
