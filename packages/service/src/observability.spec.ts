import { describe, expect, it } from 'vitest';
import { createLogger, nestLogger } from './logger.js';
import { metric, prometheus, startMetricsServer } from './metrics.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('createLogger', () => {
  it('writes JSON lines with the service, level and message, and no ANSI escapes', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', level: 'info', pretty: false, destination });
    log.debug('hidden');
    log.warn({ member: 'q-1' }, 'membership: heartbeat failing');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      service: 'svc',
      member: 'q-1',
      msg: 'membership: heartbeat failing',
    });
    expect(lines[0]).not.toContain('\u001b[');
  });

  it("carries Nest's lines with their context", () => {
    const { lines, destination } = capture();
    const nest = nestLogger(createLogger({ service: 'gw', pretty: false, destination }));
    nest.error('boom', 'Error: boom\n    at x (y.ts:1:1)', 'ExceptionsHandler');
    nest.log('Mapped {/api/v2/heartbeat, GET} route', 'RouterExplorer');
    expect(lines).toHaveLength(1); // Nest's "log" is debug: below the default info
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 50,
      component: 'nest',
      context: 'ExceptionsHandler',
      msg: 'boom',
    });
  });
});

describe('startMetricsServer', () => {
  it('serves /metrics in the Prometheus format and /ready from the readiness callback', async () => {
    const counter = metric(
      'huedb_spec_things_total',
      (registers) =>
        new prometheus.Counter({ name: 'huedb_spec_things_total', help: 'things', registers }),
    );
    // The same name again returns the registered metric rather than throwing.
    expect(
      metric('huedb_spec_things_total', () => {
        throw new Error('created twice');
      }),
    ).toBe(counter);
    counter.inc(3);
    let ready = false;
    const server = await startMetricsServer('127.0.0.1:0', () => ready);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await metrics.text()).toMatch(/^huedb_spec_things_total 3$/m);
      expect((await fetch(`${base}/ready`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
