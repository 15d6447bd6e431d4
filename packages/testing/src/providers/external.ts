import { infraFromVariables, type TestInfra } from '../infra.js';

/** Infrastructure someone else runs, described by HUEDB_* environment variables. */
export function externalInfra(env: NodeJS.ProcessEnv = process.env): TestInfra {
  return infraFromVariables('external', env);
}
