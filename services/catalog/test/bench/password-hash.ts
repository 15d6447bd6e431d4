/**
 * What the control plane's secrets cost: an argon2id password hash and verification with the
 * parameters in use (PASSWORD_PARAMS), against the SHA-256 + timingSafeEqual check of an API key
 * secret. Also shows that hashing does not block the event loop: a 1 ms timer keeps firing while
 * a hash runs. Prints a table.
 *
 *   node --conditions=@huedb/source --import tsx services/catalog/test/bench/password-hash.ts [--runs 40]
 */
import { parseArgs } from 'node:util';
import { hashPassword, PASSWORD_PARAMS, verifyPassword } from '../../src/index.js';
import { newApiKey, parseApiKey, tokenMatches } from '../../src/control/secrets.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const runs = Number(values.runs);

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5).toFixed(3)} ms, p95 ${at(0.95).toFixed(3)} ms`;
}

async function timed(n: number, fn: (i: number) => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

const password = 'correct horse battery staple';
const phc = await hashPassword(password);
await verifyPassword(phc, password); // warm-up
const hashes = await timed(runs, (i) => hashPassword(`${password}${i}`));
const verifies = await timed(runs, () => verifyPassword(phc, password));

const { credential, secretHash } = newApiKey();
const { secret } = parseApiKey(credential)!;
const keyChecks = await timed(runs * 100, () => tokenMatches(secret, secretHash));

let ticks = 0;
const timer = setInterval(() => ticks++, 1);
const during = performance.now();
await Promise.all([1, 2, 3, 4].map((i) => hashPassword(`${password}${i}`)));
const duringMs = performance.now() - during;
clearInterval(timer);

const p = PASSWORD_PARAMS;
console.log(`argon2id m=${p.memoryCost} KiB, t=${p.timeCost}, p=${p.parallelism}; ${runs} runs`);
console.log(`  hash          ${summary(hashes)}`);
console.log(`  verify        ${summary(verifies)}`);
console.log(`API key secret check (SHA-256 + timingSafeEqual), ${runs * 100} runs`);
console.log(`  check         ${summary(keyChecks)}`);
console.log(
  `event loop during 4 concurrent hashes (${duringMs.toFixed(0)} ms): a 1 ms timer fired ${ticks} times`,
);
