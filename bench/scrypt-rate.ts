/**
 * The raw scrypt rate: how many verifications per second node's crypto.scrypt alone sustains at
 * the configured parameters, `parallel` at a time, in a process of its own (nothing else runs).
 * Login cannot beat this; the benchmark reports login/s as a fraction of it.
 *
 *   node --import tsx bench/scrypt-rate.ts <logN> <r> <p> <parallel> <seconds>  → JSON on stdout
 */
import { randomBytes, scrypt } from 'node:crypto';

const [logN = 16, r = 8, p = 2, parallel = 2, seconds = 5] = process.argv.slice(2).map(Number);
const options = { N: 2 ** logN, r, p, maxmem: 1024 * 1024 * 1024 };
const salt = randomBytes(32);
const verify = () =>
  new Promise<void>((resolve, reject) =>
    scrypt('correct horse battery staple', salt, 64, options, (error) =>
      error ? reject(error) : resolve(),
    ),
  );

await verify(); // warm-up: the first call pays for allocating the memory
const started = performance.now();
const deadline = started + seconds * 1000;
let done = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (performance.now() < deadline) {
      await verify();
      done += 1;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ perSecond: done / elapsed, done, elapsed, parallel })}\n`);
