import type { ProviderName, TestInfra } from './infra.js';
import { externalInfra } from './providers/external.js';
import { localInfra } from './providers/local.js';
import { containerInfra, dockerAvailable } from './providers/testcontainers.js';

/** Infrastructure for one test run and how to release it. */
export interface ProvidedInfra {
  infra: TestInfra;
  release: () => Promise<void>;
}

/**
 * Picks the provider: TEST_INFRA=external|testcontainers|local forces one; otherwise
 * testcontainers when a Docker engine answers, else the local processes of deploy/local.
 */
export async function chooseProvider(env: NodeJS.ProcessEnv = process.env): Promise<ProviderName> {
  const forced = env.TEST_INFRA;
  if (forced === 'external' || forced === 'testcontainers' || forced === 'local') return forced;
  if (forced) throw new Error(`TEST_INFRA=${forced}: expected external, testcontainers or local`);
  return (await dockerAvailable(env)) ? 'testcontainers' : 'local';
}

/** Provides real Postgres, Kafka and S3, or throws saying why it cannot. */
export async function provideInfra(env: NodeJS.ProcessEnv = process.env): Promise<ProvidedInfra> {
  const provider = await chooseProvider(env);
  switch (provider) {
    case 'external':
      return { infra: externalInfra(env), release: async () => {} };
    case 'local':
      return { infra: await localInfra(env), release: async () => {} };
    case 'testcontainers': {
      const { infra, stop } = await containerInfra();
      return { infra, release: stop };
    }
  }
}
