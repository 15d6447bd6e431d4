import type { TestProject } from 'vitest/node';
import { ReferenceChroma } from '../reference-chroma.js';

/**
 * e2e global setup beside each deployment's: a real `chroma run` (installed on first use) that
 * the differential suite sends every operation to as well, so HueDB is compared with Chroma
 * itself and not only with our model of it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const chroma = await ReferenceChroma.start();
  console.log(
    `[huedb/testing] reference chroma up in ${Date.now() - started} ms at ${chroma.url} (log ${chroma.logFile})`,
  );
  project.provide('referenceChroma', chroma.url);
  return () => chroma.stop();
}
