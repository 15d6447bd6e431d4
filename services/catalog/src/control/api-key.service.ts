import type {
  CreateApiKeyRequest,
  ListApiKeysRequest,
  RevokeApiKeyRequest,
  ApiKey,
  ResolveApiKeyResponse,
  ListKeyChangesResponse,
} from '@huedb/proto/control';
import { requireUuid, type Input } from '../catalog.input.js';
import { invalid, tenantNotFound } from '../catalog.errors.js';
import { MAX_LISTED_CHANGES } from './api-key.repository.js';
import { apiKeyNotFound, invalidApiKey, userNotFound } from './control.errors.js';
import { requireText } from './control.input.js';
import { apiKeyMessage, keyDatabases, keyRoleOf, keyRoleText } from './control.mapper.js';
import type { ControlRepositories } from './control.repository.js';
import { KEY_ID_LENGTH, newApiKey, parseApiKey, sha256Hex, tokenMatches } from './secrets.js';

/** A key's last_used_at moves at most once per this interval (TouchApiKeys). */
export const TOUCH_THROTTLE_MS = 60_000;
/** Keys one TouchApiKeys call may name. */
const MAX_TOUCH = 1000;
const KEY_ID = new RegExp(`^[a-z2-7]{${KEY_ID_LENGTH}}$`);

/**
 * API keys: creation (the secret is returned once, its SHA-256 kept), resolution of a credential
 * to its principal, revocation, listing, last-used bookkeeping, and the change counter gateways
 * poll so a revocation reaches every one of them within their poll interval
 * (docs/decisions/0020-control-plane-location.md).
 */
export class ApiKeyService {
  constructor(private readonly repos: ControlRepositories) {}

  async create(req: Input<CreateApiKeyRequest>): Promise<{ key: Input<ApiKey>; secret: string }> {
    const role = keyRoleText(req.role);
    const databases = [...new Set(req.databases.map((d) => requireText('database name', d)))];
    const name = req.name.length > 256 ? requireText('name', req.name) : req.name;
    const createdBy = req.createdBy === undefined ? null : requireUuid('user', req.createdBy);
    if (req.expiresAtMs !== undefined && req.expiresAtMs <= BigInt(Date.now())) {
      throw invalid('expires_at_ms must be in the future');
    }
    if (!(await this.repos.tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    if (createdBy !== null && !(await this.repos.users.findById(createdBy))) {
      throw userNotFound(createdBy);
    }
    const fresh = newApiKey();
    const row = await this.repos.transaction(async (tx) =>
      tx.apiKeys.insert({
        id: fresh.id,
        secretHash: fresh.secretHash,
        tenant: req.tenant,
        databases: databases.length === 0 ? null : databases,
        role,
        name,
        createdBy,
        expiresAtMs: req.expiresAtMs ?? null,
        version: await tx.apiKeys.bumpVersion(),
      }),
    );
    return { key: apiKeyMessage(row), secret: fresh.credential };
  }

  /**
   * The principal behind a credential, or UNAUTHENTICATED — the same answer for a malformed,
   * unknown, revoked or expired key and a wrong secret. The secret is checked by comparing
   * SHA-256 digests with timingSafeEqual, so timing does not tell how much of a guess matched.
   * An unknown id takes the same hash-and-compare path (against a constant); the id itself is
   * public (listings, audit entries), so the lookup's own timing gives nothing away.
   */
  async resolve(credential: string): Promise<Input<ResolveApiKeyResponse>> {
    const parsed = parseApiKey(credential);
    if (!parsed) throw invalidApiKey();
    const row = await this.repos.apiKeys.findWithVersion(parsed.id);
    const matches = tokenMatches(parsed.secret, row?.secret_hash ?? ZERO_HASH);
    if (!row || !matches || !row.live) throw invalidApiKey();
    return {
      keyId: row.id,
      tenant: row.tenant,
      databases: keyDatabases(row),
      role: keyRoleOf(row.role),
      expiresAtMs: row.expires_at_ms === null ? undefined : BigInt(row.expires_at_ms),
      createdBy: row.created_by ?? undefined,
      keysVersion: BigInt(row.keys_version),
    };
  }

  /** Revokes a key (idempotent: a revoked key is answered as it is, without a new version). */
  async revoke(req: Input<RevokeApiKeyRequest>): Promise<Input<ApiKey>> {
    const row = await this.repos.transaction(async (tx) => {
      const key = await tx.apiKeys.findForUpdate(req.keyId);
      if (!key || (req.tenant !== undefined && key.tenant !== req.tenant)) {
        throw apiKeyNotFound(req.keyId);
      }
      if (key.revoked_at_ms !== null) return key;
      return tx.apiKeys.revoke(key.id, await tx.apiKeys.bumpVersion());
    });
    return apiKeyMessage(row);
  }

  async list(req: Input<ListApiKeysRequest>): Promise<Input<ApiKey>[]> {
    if (!(await this.repos.tenants.find(req.tenant))) throw tenantNotFound(req.tenant);
    return (await this.repos.apiKeys.list(req.tenant, req.includeRevoked)).map(apiKeyMessage);
  }

  /** Moves last_used_at of the named keys (ids that are no key id are ignored). */
  async touch(keyIds: readonly string[]): Promise<number> {
    if (keyIds.length > MAX_TOUCH) throw invalid(`At most ${MAX_TOUCH} key ids per call`);
    const ids = [...new Set(keyIds.filter((id) => KEY_ID.test(id)))];
    return ids.length === 0 ? 0 : this.repos.apiKeys.touch(ids, TOUCH_THROTTLE_MS);
  }

  async version(): Promise<bigint> {
    return BigInt((await this.repos.apiKeys.version()).version);
  }

  /**
   * What changed since `since`. `flush` tells the caller to drop its whole cache: when a Reset
   * deleted keys after `since`, when more changed than one answer lists, or when `since` is
   * ahead of the database (a caller that saw another database, e.g. one restored from backup).
   */
  async changesSince(since: bigint): Promise<Input<ListKeyChangesResponse>> {
    const row = await this.repos.apiKeys.changesSince(since);
    const version = BigInt(row.version);
    const ids = JSON.parse(row.ids_json) as string[];
    const flush =
      since < BigInt(row.flushed_version) || since > version || ids.length > MAX_LISTED_CHANGES;
    return { version, keyIds: flush ? [] : [...new Set(ids)], flush };
  }
}

/** Compared against when the key id is unknown, so that path hashes and compares too. */
const ZERO_HASH = sha256Hex('');
