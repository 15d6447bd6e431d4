import { Schema, StringInvertedIndexConfig, VectorIndexConfig } from 'chromadb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ensureChromaVenv,
  getAdminToken,
  getGatewayUrls,
  REFERENCE_CHROMA_VERSION,
  runCommand,
  type ChromaVenv,
} from '@huedb/testing';
import { chromaClient, collectionName, DB, http } from './support.js';

// Collection schemas and configuration (Chroma 1.5): what a create with a schema, a configuration
// or legacy metadata returns, that the index honours them (cosine distances, also after
// compaction), that modify keeps schema and configuration consistent, and that disabled indexes
// refuse filters. Expected bodies are what Chroma 1.5.9 (`chroma run`) answered.

/** Distances of [2, 0] to [1, 0], [3, 3] and [0, 1]: cosine (L2 would be 1, 10, 5). */
const COSINE = [0, 1 - Math.SQRT1_2, 1];
const VECTORS = [
  [1, 0],
  [3, 3],
  [0, 1],
];

interface CollectionBody {
  id: string;
  version: number;
  configuration_json: { hnsw: Record<string, unknown>; embedding_function: unknown };
  schema: {
    defaults: Record<string, Record<string, { enabled: boolean; config: Record<string, unknown> }>>;
    keys: Record<
      string,
      Record<string, Record<string, { enabled: boolean; config: Record<string, unknown> }>>
    >;
  };
}

const get = async (id: string) =>
  (await http('GET', `${DB}/collections/by-id/${id}`)).body as CollectionBody;
const vectorIndex = (body: CollectionBody, where: 'defaults' | '#embedding') =>
  (where === 'defaults' ? body.schema.defaults : body.schema.keys['#embedding']!).float_list!
    .vector_index!;

/** Waits until a compaction has indexed the collection, where the deployment compacts. */
async function waitForCompaction(id: string, project: string | undefined): Promise<boolean> {
  if (project === 'e2e') return false; // this cluster does not compact
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await get(id)).version > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`collection ${id} was not compacted within 60 s`);
}

describe('schema (chromadb JS client)', () => {
  const client = chromaClient();

  it('create with a schema → distances in its space → modify → the same schema everywhere', async ({
    task,
  }) => {
    const schema = new Schema();
    schema.createIndex(new VectorIndexConfig({ space: 'cosine' }));
    schema.deleteIndex(new StringInvertedIndexConfig(), 'secret');
    const name = collectionName('schema');
    const c = await client.createCollection({ name, schema, embeddingFunction: null });
    expect(c.configuration.hnsw).toMatchObject({ space: 'cosine', ef_search: 100 });
    expect(c.schema?.keys['secret']?.string?.stringInvertedIndex?.enabled).toBe(false);

    const created = await get(c.id);
    expect(vectorIndex(created, '#embedding')).toMatchObject({
      enabled: true,
      config: { space: 'cosine', source_key: '#document', hnsw: { ef_search: 100 } },
    });
    expect(created.schema.keys['secret']).toEqual({
      string: { string_inverted_index: { enabled: false, config: {} } },
    });
    expect(created.schema.defaults.int).toEqual({
      int_inverted_index: { enabled: true, config: {} },
    });

    await c.add({
      ids: ['a', 'b', 'c'],
      embeddings: VECTORS,
      metadatas: [
        { secret: 'x', open: 'p' },
        { secret: 'y', open: 'q' },
        { secret: 'z', open: 'p' },
      ],
    });
    const expectCosine = async () => {
      const r = await c.query({ queryEmbeddings: [[2, 0]], nResults: 3 });
      expect(r.ids).toEqual([['a', 'b', 'c']]);
      r.distances[0]!.forEach((d, i) => expect(d).toBeCloseTo(COSINE[i]!, 5));
    };
    await expectCosine();
    // The index built by a compaction uses the schema's space too.
    if (await waitForCompaction(c.id, task.file.projectName)) await expectCosine();

    await expect(c.get({ where: { secret: 'x' } })).rejects.toThrow(
      "Cannot filter using metadata key 'secret' with type 'Str' because indexing is disabled",
    );
    expect((await c.get({ where: { open: 'p' } })).ids).toEqual(['a', 'c']);

    await c.modify({ configuration: { hnsw: { ef_search: 55 } } });
    const fetched = await client.getCollection({ name });
    expect(fetched.configuration.hnsw).toMatchObject({ space: 'cosine', ef_search: 55 });
    const modified = await get(c.id);
    for (const where of ['defaults', '#embedding'] as const) {
      expect(vectorIndex(modified, where).config.hnsw).toMatchObject({ ef_search: 55 });
    }
    expect(modified.schema.keys['secret']).toEqual(created.schema.keys['secret']);
    const listed = (await client.listCollections({ limit: 1000 })).find((x) => x.id === c.id);
    expect(listed?.configuration.hnsw).toMatchObject({ space: 'cosine', ef_search: 55 });
    await expectCosine();
  });
});

describe('schema and configuration on the wire', () => {
  const create = (body: object) =>
    http('POST', `${DB}/collections`, { name: collectionName('wire'), ...body });

  it('configuration, legacy metadata or schema: the same configuration_json and schema', async () => {
    const results = await Promise.all([
      create({ configuration: { hnsw: { space: 'ip' } } }),
      create({ metadata: { 'hnsw:space': 'ip' } }),
      create({ metadata: { 'hnsw:space': 'cosine' }, configuration: { hnsw: { space: 'ip' } } }),
    ]);
    for (const res of results) {
      expect(res.status).toBe(200);
      const body = res.body as CollectionBody;
      expect(body.configuration_json).toEqual({
        hnsw: {
          space: 'ip',
          ef_construction: 100,
          ef_search: 100,
          max_neighbors: 16,
          resize_factor: 1.2,
          sync_threshold: 1000,
        },
        spann: null,
        embedding_function: null,
      });
      for (const where of ['defaults', '#embedding'] as const) {
        expect(vectorIndex(body, where).config).toMatchObject({ space: 'ip' });
      }
    }
    const bySchema = (
      await create({
        schema: {
          defaults: {},
          keys: {
            '#embedding': {
              float_list: { vector_index: { enabled: true, config: { space: 'ip' } } },
            },
          },
        },
      })
    ).body as CollectionBody;
    expect(bySchema.configuration_json).toEqual(
      (results[0].body as CollectionBody).configuration_json,
    );
    expect(vectorIndex(bySchema, '#embedding')).toEqual(
      vectorIndex(results[0].body as CollectionBody, '#embedding'),
    );
  });

  it('refuses bad schemas, conflicts and bad embedding functions with Chroma bodies', async () => {
    const deserialize = (reason: string) => ({
      status: 422,
      body: {
        error: 'ChromaError',
        message: `Failed to deserialize the JSON body into the target type: ${reason}`,
      },
    });
    const invalid = (message: string) => ({
      status: 400,
      body: { error: 'InvalidArgumentError', message },
    });
    const cosine = {
      defaults: {},
      keys: {
        '#embedding': {
          float_list: { vector_index: { enabled: true, config: { space: 'cosine' } } },
        },
      },
    };
    const cases: [object, object][] = [
      [
        { configuration: { embedding_function: { foo: 1 } } },
        deserialize('configuration.embedding_function: missing field `type`'),
      ],
      [
        { configuration: { embedding_function: { type: 'known', name: 'x' } } },
        deserialize('configuration.embedding_function: missing field `config`'),
      ],
      [{ schema: { keys: {} } }, deserialize('schema: missing field `defaults`')],
      [
        { schema: cosine, configuration: { hnsw: { space: 'ip' } } },
        invalid(
          'Failed to reconcile schema: Cannot set both collection config and schema simultaneously',
        ),
      ],
      [
        { schema: { defaults: {}, keys: { '#foo': {} } } },
        invalid(
          "Validation error: schema: key cannot begin with '#'. Keys starting with '#' are reserved for system use: #foo",
        ),
      ],
    ];
    for (const [body, expected] of cases) {
      expect(await create(body), JSON.stringify(body)).toMatchObject(expected);
    }
  });

  it('validates an embedding function on modify and keeps a valid one', async () => {
    const { id } = (await create({})).body as CollectionBody;
    expect(
      await http('PUT', `${DB}/collections/${id}`, {
        new_configuration: { embedding_function: { foo: 1 } },
      }),
    ).toMatchObject({
      status: 422,
      body: {
        error: 'ChromaError',
        message:
          'Failed to deserialize the JSON body into the target type: new_configuration.embedding_function: missing field `type`',
      },
    });
    expect(
      await http('PUT', `${DB}/collections/${id}`, {
        new_configuration: { hnsw: { space: 'cosine' } },
      }),
    ).toMatchObject({ status: 422, body: { error: 'ChromaError' } });
    const ef = { type: 'known', name: 'openai', config: { model_name: 'x' } };
    expect(
      await http('PUT', `${DB}/collections/${id}`, {
        new_configuration: { embedding_function: ef },
      }),
    ).toMatchObject({ status: 200 });
    const after = await get(id);
    expect(after.configuration_json.embedding_function).toEqual(ef);
    expect(vectorIndex(after, '#embedding').config.embedding_function).toEqual(ef);
    expect(vectorIndex(after, 'defaults').config.embedding_function).toEqual(ef);
  });

  it('refuses document filters when full-text search is disabled', async () => {
    const { id } = (
      await create({
        schema: {
          defaults: {},
          keys: { '#document': { string: { fts_index: { enabled: false, config: {} } } } },
        },
      })
    ).body as CollectionBody;
    await http('POST', `${DB}/collections/${id}/add`, {
      ids: ['a'],
      embeddings: [[1, 2]],
      documents: ['hello'],
    });
    const fts = {
      status: 400,
      body: {
        error: 'InvalidArgumentError',
        message: 'Cannot filter using full-text search because FTS indexing is disabled',
      },
    };
    expect(
      await http('POST', `${DB}/collections/${id}/get`, { where_document: { $contains: 'he' } }),
    ).toMatchObject(fts);
    expect(
      await http('POST', `${DB}/collections/${id}/delete`, {
        where: { '#document': { $contains: 'he' } },
      }),
    ).toMatchObject(fts);
    expect(await http('GET', `${DB}/collections/${id}/count`)).toMatchObject({ body: 1 });
  });
});

describe('schema (chromadb Python client)', () => {
  let venv: ChromaVenv;

  beforeAll(async () => {
    // Installed once per machine (pip, a few minutes); then this is immediate.
    venv = await ensureChromaVenv(REFERENCE_CHROMA_VERSION, (m) => console.log(`[schema] ${m}`));
  }, 30 * 60_000);

  it('round trip: create(schema) → get → modify(configuration) → get → list → query', async () => {
    const url = new URL(getGatewayUrls()[0]!);
    const output = await runCommand(
      venv.python,
      [
        '-c',
        PYTHON_ROUND_TRIP,
        url.hostname,
        url.port,
        collectionName('py'),
        getAdminToken() ?? '',
      ],
      { timeoutMs: 90_000, env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' } },
    );
    const result = JSON.parse(output.trim().split('\n').pop()!) as {
      created: { space: string };
      modified: { space: string; ef_search: number };
      listed: boolean;
      distances: number[];
    };
    expect(result.created.space).toBe('cosine');
    expect(result.modified).toMatchObject({ space: 'cosine', ef_search: 77 });
    expect(result.listed).toBe(true);
    result.distances.forEach((d, i) => expect(d).toBeCloseTo(COSINE[i]!, 5));
  }, 120_000);
});

/**
 * The Python client's round trip; prints one JSON line. Arguments: host, port, name, and the
 * deployment's admin token ('' where it runs without auth).
 */
const PYTHON_ROUND_TRIP = `
import json, sys
import chromadb
from chromadb.api.types import Schema, VectorIndexConfig
from chromadb.api.collection_configuration import UpdateCollectionConfiguration
host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
token = sys.argv[4]
client = chromadb.HttpClient(host=host, port=port, headers={"x-chroma-token": token} if token else None)
schema = Schema()
schema.create_index(VectorIndexConfig(space="cosine"))
col = client.create_collection(name, schema=schema)
created = col.configuration["hnsw"]
col.add(ids=["a", "b", "c"], embeddings=[[1, 0], [3, 3], [0, 1]])
col = client.get_collection(name)
col.modify(configuration=UpdateCollectionConfiguration(hnsw={"ef_search": 77}))
col = client.get_collection(name)
modified = col.configuration["hnsw"]
listed = any(c.name == name for c in client.list_collections())
result = col.query(query_embeddings=[[2, 0]], n_results=3)
print(json.dumps({"created": created, "modified": modified, "listed": listed,
                  "distances": result["distances"][0]}))
`;
