import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, ensureImage, ImageContainer, type BuiltImage } from '@huedb/testing';

// The container image's own contract (deploy/docker, docs/decisions/0034-container-images.md):
// what a user running `docker run huedb` relies on, beyond the API the e2e suites cover.
const HEALTHY_DEADLINE_MS = 90_000;

let image: BuiltImage;
let node: ImageContainer;

beforeAll(async () => {
  image = await ensureImage();
  node = await ImageContainer.start({ image });
});

afterAll(async () => {
  await node?.remove();
});

async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + HEALTHY_DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function createCollection(name: string): Promise<string> {
  const base = `${node.url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const created = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(created.status).toBe(200);
  const { id } = (await created.json()) as { id: string };
  const added = await fetch(`${base}/${id}/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ids: ['a', 'b'],
      embeddings: [
        [1, 0],
        [0, 1],
      ],
    }),
  });
  expect(added.status).toBe(201);
  return id;
}

async function count(id: string): Promise<number> {
  const base = `${node.url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const response = await fetch(`${base}/${id}/count`);
  expect(response.status).toBe(200);
  return (await response.json()) as number;
}

describe('the container image', () => {
  it('runs as uid 1000 under tini, with a read-only root filesystem', async () => {
    expect(await node.inspect('{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}')).toBe(
      '1000:1000 true',
    );
    const [pid1, uid] = (
      await docker(image, ['exec', node.name, 'sh', '-c', 'cat /proc/1/comm; id -u'])
    ).split('\n');
    expect(pid1).toBe('tini');
    expect(uid).toBe('1000');
    // The root filesystem refuses writes; /data (the volume) and /tmp take them.
    await expect(docker(image, ['exec', node.name, 'touch', '/app/probe'])).rejects.toThrow(
      /Read-only/,
    );
    await docker(image, [
      'exec',
      node.name,
      'sh',
      '-c',
      'touch /data/probe /tmp/probe && rm /data/probe /tmp/probe',
    ]);
  });

  it('turns healthy by its HEALTHCHECK', async () => {
    await until(
      'health',
      () => node.inspect('{{.State.Health.Status}}'),
      (s) => s === 'healthy',
    );
  });

  it('carries the OCI labels', async () => {
    const labels = JSON.parse(await node.inspect('{{json .Config.Labels}}')) as Record<
      string,
      string
    >;
    expect(labels['org.opencontainers.image.title']).toBe('HueDB');
    expect(labels['org.opencontainers.image.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$|^unknown$/);
  });

  it('drains on SIGTERM within the grace period and keeps its data across a restart', async () => {
    const id = await createCollection('kept-across-restart');
    expect(await count(id)).toBe(2);
    // docker stop sends SIGTERM, and SIGKILL only after the grace period: exit code 0 (not 137)
    // means the role drained and exited by itself.
    await node.stop(30);
    expect(await node.inspect('{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}')).toBe(
      'exited 0 false',
    );
    await node.restart();
    expect(await count(id)).toBe(2);
  });

  it('answers `docker run huedb --version`', async () => {
    const out = await docker(image, ['run', '--rm', '--read-only', image.id, '--version']);
    expect(out).toMatch(/\d+\.\d+\.\d+/);
  });
});
