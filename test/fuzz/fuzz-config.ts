/**
 * Seed and time budget for the fuzz suite. `npm test` runs each target for a few seconds with a fixed seed (the
 * same inputs every run, so CI stays reproducible); `npm run fuzz -- --seed N --minutes M` sets FUZZ_SEED and
 * FUZZ_MS (a random seed when none is given). A failure prints the seed, fast-check's path and the input:
 * `npm run fuzz -- --seed N` replays the same inputs (a time budget only decides how many of them run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';

/** The seed: FUZZ_SEED, else the fixed one `npm test` uses. */
export const FUZZ_SEED = Number.isSafeInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 2026;

/** Milliseconds each property runs for (FUZZ_MS, default 4 s so the suite's share of `npm test` stays under a minute). */
export const FUZZ_MS = Math.max(500, Number(process.env.FUZZ_MS) || 4000);

/** A test timeout comfortably above one property's budget (shrinking a failure takes more). */
export const testTimeout = (properties = 1) => properties * FUZZ_MS + 60_000;

/** Runs `property` for the budget with the shared seed; prints what reproduces it. */
export async function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (input: T) => Promise<void> | void): Promise<void> {
  console.log(`[fuzz] ${name}: seed ${FUZZ_SEED}, ${FUZZ_MS} ms (replay: npm run fuzz -- --seed ${FUZZ_SEED})`);
  let runs = 0;
  // The time limit races the input running then against a timer and returns without it: it is awaited below, so
  // nothing it still does (a canary, a publish) overlaps what the test checks after the fuzz.
  let running: { input: T; done: Promise<void> } | undefined;
  const property = fc.asyncProperty(arb, async (input) => {
    runs++;
    running = { input, done: Promise.resolve(check(input)) };
    await running.done;
  });
  await fc.assert(property, {
    seed: FUZZ_SEED, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: FUZZ_MS, markInterruptAsFailure: false,
    reporter: (details) => {
      if (!details.failed) return;
      const input = fc.stringify(details.counterexample);
      const file = path.join(os.tmpdir(), `thingbench-fuzz-${name}-${FUZZ_SEED}.txt`);
      fs.writeFileSync(file, `${input}\n`);
      throw new Error(`[fuzz] ${name} failed (seed ${FUZZ_SEED}, path "${details.counterexamplePath}"; ` +
        `replay: FUZZ_SEED=${FUZZ_SEED} npx vitest run test/fuzz)\n` +
        `input: ${input.length > 1500 ? `${input.slice(0, 1500)}… (${input.length} characters, all of it in ${file})` : input}\n` +
        `${String(details.errorInstance).slice(0, 3000)}`, { cause: details.errorInstance });
    },
  });
  const last = running;
  if (last) {
    await last.done.catch((e: unknown) => {
      throw new Error(`[fuzz] ${name} failed on the input running when its time was up (seed ${FUZZ_SEED})\n` +
        `input: ${fc.stringify(last.input).slice(0, 1500)}\n${String(e).slice(0, 3000)}`, { cause: e });
    });
  }
  console.log(`[fuzz] ${name}: ${runs} inputs`);
}
