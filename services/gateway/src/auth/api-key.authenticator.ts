import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { Code, RpcError, type ServiceClient } from '@huedb/grpc';
import { KeyRole, type ControlService, type ResolveApiKeyResponse } from '@huedb/proto/control';
import type { Logger } from '@huedb/service';
import type { Authenticator } from '../context/authenticator.js';
import type { Principal, Role } from '../context/request-context.js';
import {
  AdminToken,
  API_KEY_FORMAT,
  credentialOf,
  digest,
  invalidCredentials,
  missingCredentials,
} from './credentials.js';

/** The principal of the bootstrap admin credential: admin on every tenant. */
export const ADMIN_PRINCIPAL: Principal = Object.freeze({
  kind: 'authenticated',
  subject: 'admin',
  userId: '',
  tenant: null,
  databases: Object.freeze([]),
  role: 'admin',
});

/** Options of {@link ApiKeyAuthenticator}; the defaults are decision 0022's. */
export interface ApiKeyAuthenticatorOptions {
  /** HUEDB_ADMIN_TOKEN: the bootstrap admin credential, if configured. */
  adminToken?: string | undefined;
  /** How often KeysVersion is polled (default 1000 ms). */
  pollMs?: number;
  /** With no successful poll for this long, the cache is not trusted (default 5000 ms). */
  staleMs?: number;
  /** Longest a resolved key is reused without a poll naming it (default 60 s). */
  ttlMs?: number;
  /** Keys cached at most (default 10 000). */
  maxKeys?: number;
  /** How often used keys are reported with TouchApiKeys (default 30 s). */
  touchMs?: number;
  /** The clock (epoch ms); tests move it. */
  now?: () => number;
  log?: Logger | undefined;
}

interface Entry {
  readonly keyId: string;
  readonly principal: Principal;
  /** When the key expires by itself (epoch ms), or Infinity. */
  readonly expiresAtMs: number;
  /** When it was resolved (epoch ms; the TTL is checked on this clock, which tests move). */
  readonly cachedAtMs: number;
}

const ROLES: Partial<Record<KeyRole, Role>> = {
  [KeyRole.READ]: 'read',
  [KeyRole.READ_WRITE]: 'read_write',
  [KeyRole.ADMIN]: 'admin',
};

/**
 * Authenticates API keys (`hdb_<id>_<secret>`) and the bootstrap admin credential.
 *
 * A key is resolved once through the control plane (ResolveApiKey) and its principal cached
 * (keyed by the credential's SHA-256, so no secret stays in memory), so a request with a known
 * key costs a hash and a map lookup. Revocation reaches the cache through polling (decision
 * 0020): every `pollMs` KeysVersion is read; when it moved, ListKeyChanges names the keys created
 * or revoked since, and those entries are dropped (or all of them, after a Reset). While no poll
 * has succeeded for `staleMs` the cache is bypassed and every key resolved afresh — fail closed:
 * with the control plane unreachable that refuses (503), never answering from a stale cache.
 * Bound: a revocation stops a key within pollMs + one RPC (≈ 1–1.5 s), ≤ staleMs (5 s) always.
 */
export class ApiKeyAuthenticator implements Authenticator {
  private readonly cache: LRUCache<string, Entry>;
  private readonly admin: AdminToken | undefined;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly touchMs: number;
  private readonly ttlMs: number;
  /** The keys version through which changes have been applied to the cache (-1: none yet). */
  private version = -1n;
  private lastPollOkAt = -Infinity;
  private polling: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private touchTimer: NodeJS.Timeout | undefined;
  private readonly used = new Set<string>();
  private pollFailing = false;

  constructor(
    private readonly control: ServiceClient<typeof ControlService>,
    private readonly options: ApiKeyAuthenticatorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.pollMs = options.pollMs ?? 1000;
    this.staleMs = options.staleMs ?? 5000;
    this.touchMs = options.touchMs ?? 30_000;
    this.admin = options.adminToken ? new AdminToken(options.adminToken) : undefined;
    this.cache = new LRUCache<string, Entry>({
      max: options.maxKeys ?? 10_000,
    });
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  /** Starts polling KeysVersion and reporting used keys; resolves after the first poll. */
  async start(): Promise<void> {
    await this.poll();
    this.pollTimer = setInterval(() => void this.poll(), this.pollMs);
    this.pollTimer.unref();
    this.touchTimer = setInterval(() => void this.touch(), this.touchMs);
    this.touchTimer.unref();
  }

  /** Stops the timers and reports the keys used since the last report. */
  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    clearInterval(this.touchTimer);
    await this.polling;
    await this.touch();
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const credential = credentialOf(request.headers);
    if (credential === undefined) throw missingCredentials();
    const hash = digest(credential);
    // Always compared, key-shaped or not, so timing does not tell admin-token guesses apart.
    if (this.admin?.matches(hash)) return ADMIN_PRINCIPAL;
    if (!API_KEY_FORMAT.test(credential)) throw invalidCredentials();
    const cacheKey = hash.toString('base64');
    const now = this.now();
    const fresh = now - this.lastPollOkAt <= this.staleMs;
    const cached = fresh ? this.cache.get(cacheKey) : undefined;
    if (cached && cached.expiresAtMs > now && now - cached.cachedAtMs < this.ttlMs) {
      this.used.add(cached.keyId);
      return cached.principal;
    }
    const entry = await this.resolve(credential, cacheKey);
    if (entry.expiresAtMs <= this.now()) throw invalidCredentials();
    this.used.add(entry.keyId);
    return entry.principal;
  }

  /** Resolves through the control plane and caches what may be cached. */
  private async resolve(credential: string, cacheKey: string): Promise<Entry> {
    const versionBefore = this.version;
    let answer: ResolveApiKeyResponse;
    try {
      answer = await this.control.resolveApiKey({ credential });
    } catch (err) {
      // Anything else (UNAVAILABLE: 503, ...) is answered as the backend error it is: never a
      // principal, so a control plane that cannot be reached refuses (fails closed).
      if (RpcError.is(err, Code.UNAUTHENTICATED)) throw invalidCredentials();
      throw err;
    }
    const role = ROLES[answer.role];
    if (!role) throw invalidCredentials();
    const entry: Entry = {
      keyId: answer.keyId,
      expiresAtMs: answer.expiresAtMs === undefined ? Infinity : Number(answer.expiresAtMs),
      cachedAtMs: this.now(),
      principal: Object.freeze({
        kind: 'authenticated',
        subject: `key:${answer.keyId}`,
        userId: answer.createdBy ?? '',
        tenant: answer.tenant,
        databases: Object.freeze([...answer.databases]),
        role,
        ...(answer.expiresAtMs !== undefined && { expiresAtMs: Number(answer.expiresAtMs) }),
      }),
    };
    // Cached only if no change after the answer's snapshot can have been applied (and so missed)
    // already: the answer saw version V; changes after V are the ones a later poll still lists
    // as long as the cache has applied changes only up to ≤ V. Also not while polls fail.
    const fresh = this.now() - this.lastPollOkAt <= this.staleMs;
    if (fresh && versionBefore === this.version && answer.keysVersion >= this.version) {
      this.cache.set(cacheKey, entry);
    }
    return entry;
  }

  /** One KeysVersion poll (and ListKeyChanges when it moved); never throws. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    try {
      const { version } = await this.control.keysVersion({});
      if (this.version < 0n) {
        // The first poll: nothing is cached yet, so there is nothing to evict.
        this.version = version;
      } else if (version !== this.version) {
        const changes = await this.control.listKeyChanges({ sinceVersion: this.version });
        if (changes.flush) this.cache.clear();
        else this.evict(new Set(changes.keyIds));
        this.version = changes.version;
      }
      this.lastPollOkAt = this.now();
      if (this.pollFailing) this.options.log?.info('auth: keys version poll works again');
      this.pollFailing = false;
    } catch (err) {
      if (!this.pollFailing) this.options.log?.warn({ err }, 'auth: keys version poll failed');
      this.pollFailing = true;
    }
  }

  private evict(keyIds: ReadonlySet<string>): void {
    if (keyIds.size === 0) return;
    for (const [cacheKey, entry] of this.cache.entries()) {
      if (keyIds.has(entry.keyId)) this.cache.delete(cacheKey);
    }
  }

  /** Reports keys used since the last report (last-used times, to within the control's minute). */
  private async touch(): Promise<void> {
    if (this.used.size === 0) return;
    const keyIds = [...this.used];
    this.used.clear();
    try {
      await this.control.touchApiKeys({ keyIds });
    } catch (err) {
      this.options.log?.warn({ err }, 'auth: reporting used keys failed');
    }
  }

  /** Keys cached now (tests and metrics). */
  get cachedKeys(): number {
    return this.cache.size;
  }
}
