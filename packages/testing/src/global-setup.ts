import type { TestProject } from 'vitest/node';
import { provideInfra } from './provide.js';

/**
 * Vitest global setup of the integration project: provides the infrastructure once per run and
 * hands it to every test file through `inject('huedbInfra')` (see getInfra).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const { infra, release } = await provideInfra();
  console.log(
    `[huedb/testing] infrastructure from provider "${infra.provider}" in ${Date.now() - started} ms: ` +
      `postgres ${redact(infra.postgresUrl)}, kafka ${infra.kafkaBrokers.join(',')}, s3 ${infra.s3.endpoint}, ` +
      `smtp ${infra.mail.smtpUrl}`,
  );
  project.provide('huedbInfra', infra);
  return release;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
