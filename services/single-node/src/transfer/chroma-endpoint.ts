import { parseKeepingFloats, parseObjectKeepingFloats } from './float-json.js';
import { ServerAnswerError, TransferError } from './transfer-error.js';

/**
 * One side of a transfer: a database on a server that speaks Chroma's HTTP API v2 (HueDB, `chroma
 * run`, a hosted Chroma), over plain fetch. Plain HTTP rather than the `chromadb` client: a copy
 * must move what the server stored verbatim — the collection's schema and configuration as JSON,
 * `1.0` metadata as floats, embeddings as float32 — while the client builds embedding functions
 * from configurations and turns numbers into JS numbers.
 */

/** Where a side is and how to reach it. */
export interface EndpointOptions {
  /** Base URL, e.g. `http://localhost:8000`. */
  url: string;
  tenant: string;
  database: string;
  /** Sent with every request (auth: `Authorization: Bearer …`, `X-Chroma-Token: …`). */
  headers: Record<string, string>;
  /** `source` or `target`: how messages name this side. */
  role: string;
}

/** A collection as the server describes it (GET …/collections/{name}). */
export interface CollectionInfo {
  id: string;
  name: string;
  metadata: Record<string, unknown> | null;
  configuration_json: unknown;
  schema?: unknown;
  dimension?: number | null;
}

/** What a collection is made from elsewhere: everything but its id. */
export type CollectionSpec = Pick<
  CollectionInfo,
  'name' | 'metadata' | 'configuration_json' | 'schema'
>;

/** Records, one list per field as Chroma's API carries them. */
export interface RecordBatch {
  ids: string[];
  /** As the server wrote them (float32 values); null only where a record has none. */
  embeddings: (number[] | null)[];
  documents: (string | null)[];
  metadatas: (Record<string, unknown> | null)[];
  uris: (string | null)[];
}

/** What the server accepts in one write (pre-flight checks). */
export interface WriteLimits {
  maxBatchSize: number;
  base64: boolean;
}

const REQUEST_TIMEOUT_MS = 120_000;
/** Attempts of an idempotent request that failed transiently (network, 429, 5xx). */
const ATTEMPTS = 5;
const INCLUDE = ['documents', 'metadatas', 'embeddings', 'uris'];

export class ChromaEndpoint {
  private readonly base: string;

  constructor(readonly options: EndpointOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** `source http://…/tenant/database`, for messages. */
  get label(): string {
    return `${this.options.role} ${this.base} (${this.options.tenant}/${this.options.database})`;
  }

  private get databasePath(): string {
    const { tenant, database } = this.options;
    return `/api/v2/tenants/${encodeURIComponent(tenant)}/databases/${encodeURIComponent(database)}`;
  }

  async writeLimits(): Promise<WriteLimits> {
    const body = JSON.parse(await this.request('GET', '/api/v2/pre-flight-checks')) as {
      max_batch_size?: number;
      supports_base64_encoding?: boolean;
    };
    return {
      maxBatchSize: body.max_batch_size ?? Number.POSITIVE_INFINITY,
      base64: body.supports_base64_encoding === true,
    };
  }

  /** Creates the tenant and the database when the server has neither (a fresh target). */
  async ensureDatabase(): Promise<void> {
    const { tenant, database } = this.options;
    const tenantPath = `/api/v2/tenants/${encodeURIComponent(tenant)}`;
    if (!(await this.exists(tenantPath))) {
      await this.request('POST', '/api/v2/tenants', { name: tenant }, { retry: false });
    }
    if (!(await this.exists(this.databasePath))) {
      await this.request('POST', `${tenantPath}/databases`, { name: database }, { retry: false });
    }
  }

  /** Every collection of the database, in the server's order. */
  async listCollections(): Promise<CollectionInfo[]> {
    const page = 100;
    const all: CollectionInfo[] = [];
    for (let offset = 0; ; offset += page) {
      const text = await this.request(
        'GET',
        `${this.databasePath}/collections?limit=${page}&offset=${offset}`,
      );
      const batch = parseKeepingFloats(text) as CollectionInfo[];
      all.push(...batch);
      if (batch.length < page) return all;
    }
  }

  /** The collection called `name`, or undefined when there is none. */
  async getCollection(name: string): Promise<CollectionInfo | undefined> {
    try {
      const text = await this.request(
        'GET',
        `${this.databasePath}/collections/${encodeURIComponent(name)}`,
      );
      return parseKeepingFloats(text) as CollectionInfo;
    } catch (err) {
      if (err instanceof ServerAnswerError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Makes a collection with another's name, metadata and settings. The stored schema is sent when
   * there is one (it carries every index setting, per key); but a schema beside legacy `hnsw:*`
   * metadata is refused by Chroma ("Cannot set both collection config and schema"), so then the
   * configuration goes instead, from which the server derives the same schema.
   */
  async createCollection(spec: CollectionSpec): Promise<CollectionInfo> {
    const legacy = Object.keys(spec.metadata ?? {}).some((key) => key.startsWith('hnsw:'));
    const settings =
      spec.schema != null && !legacy
        ? { schema: spec.schema }
        : spec.configuration_json != null
          ? { configuration: spec.configuration_json }
          : {};
    const body = { name: spec.name, metadata: spec.metadata ?? undefined, ...settings };
    const text = await this.request('POST', `${this.databasePath}/collections`, body, {
      retry: false,
    });
    return parseKeepingFloats(text) as CollectionInfo;
  }

  async count(collectionId: string): Promise<number> {
    const text = await this.request('GET', `${this.collectionPath(collectionId)}/count`);
    return JSON.parse(text) as number;
  }

  /** Records [offset, offset + limit) in the server's order (insertion order on Chroma and HueDB). */
  async getPage(collectionId: string, offset: number, limit: number): Promise<RecordBatch> {
    const text = await this.request('POST', `${this.collectionPath(collectionId)}/get`, {
      limit,
      offset,
      include: INCLUDE,
    });
    const page = parseObjectKeepingFloats(text, ['metadatas']) as Partial<RecordBatch>;
    const ids = page.ids ?? [];
    const column = <T>(values: T[] | null | undefined): T[] =>
      values ?? (Array.from({ length: ids.length }, () => null) as T[]);
    return {
      ids,
      embeddings: column(page.embeddings),
      documents: column(page.documents),
      metadatas: column(page.metadatas),
      uris: column(page.uris),
    };
  }

  /**
   * Writes records by upsert, so a batch written twice (a resumed copy, an import run again)
   * leaves the same records. Embeddings go as base64 float32 where the server takes it (exact and
   * a third of the text), else as numbers rounded to float32.
   */
  async upsert(collectionId: string, batch: RecordBatch, limits: WriteLimits): Promise<void> {
    if (batch.ids.length === 0) return;
    const embeddings = batch.embeddings.map((e) => {
      if (e === null) {
        throw new TransferError(`a record has no embedding: ${this.label} needs one for every id`);
      }
      const f32 = Float32Array.from(e);
      return limits.base64 ? Buffer.from(f32.buffer).toString('base64') : Array.from(f32);
    });
    const some = <T>(values: (T | null)[]) => (values.some((v) => v !== null) ? values : undefined);
    await this.request('POST', `${this.collectionPath(collectionId)}/upsert`, {
      ids: batch.ids,
      embeddings,
      documents: some(batch.documents),
      metadatas: some(batch.metadatas),
      uris: some(batch.uris),
    });
  }

  private collectionPath(collectionId: string): string {
    return `${this.databasePath}/collections/${encodeURIComponent(collectionId)}`;
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.request('GET', path);
      return true;
    } catch (err) {
      if (err instanceof ServerAnswerError && err.status === 404) return false;
      throw err;
    }
  }

  /** One request's body text; retried with backoff when it failed transiently and may be. */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    { retry = true }: { retry?: boolean } = {},
  ): Promise<string> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
            ...this.options.headers,
          },
          body: payload,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        if (retry && attempt < ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        throw new TransferError(`cannot reach the ${this.label}: ${networkReason(err)}`, {
          cause: err,
        });
      }
      const text = await res.text();
      if (res.ok) return text;
      const transient = res.status === 429 || res.status >= 500;
      if (retry && transient && attempt < ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw this.answerError(method, path, res, text);
    }
  }

  private answerError(method: string, path: string, res: Response, text: string): Error {
    let error: string | undefined;
    let message = text.trim().slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof parsed.error === 'string') error = parsed.error;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: the text itself, shortened, is the message
    }
    const hint =
      res.status === 401 || res.status === 403
        ? ` (pass a key with --${this.options.role === 'source' ? 'from' : 'to'}-token)`
        : '';
    const what = `${method} ${path.split('?')[0]}`;
    return new ServerAnswerError(
      `the ${this.label} answered ${res.status} to ${what}: ${error ? `${error}: ` : ''}${message}${hint}`,
      res.status,
      error,
    );
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
}

/** `connection refused`, `host not found`, … from fetch's cause. */
function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running?)';
    case 'ENOTFOUND':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      break;
  }
  if (err instanceof Error && err.name === 'TimeoutError') {
    return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`;
  }
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}
