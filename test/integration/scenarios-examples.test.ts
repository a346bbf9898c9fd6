/**
 * Every example scenario in scenarios/ runs green against the local target (a local engine started for the run with
 * a fresh data directory), and leaves nothing it provisioned behind.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { TypedEmitter } from '../../engine/core/index.js';
import { failureText, loadScenario, openTarget, runScenario, type RunResult, type ScenarioEvents, type StepRecord } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { engineInventory } from '../helpers/inventory.js';

const dir = path.resolve(import.meta.dirname, '../../scenarios');
const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

describe('example scenarios', () => {
  it('are there', () => {
    expect(files).toEqual(expect.arrayContaining(['lwt-reconnect-storm.yaml', 'motor-command-control.yaml', 'telemetry-at-scale.yaml', 'threshold-alert.yaml']));
  });

  it.each(files)('%s passes against the local target and cleans up', { timeout: 90_000 }, async (name) => {
    const file = path.join(dir, name);
    const scenario = loadScenario(fs.readFileSync(file, 'utf8'), file);
    const target = await openTarget(undefined, { dataDir: tempDir('tb-examples-') });
    try {
      const before = await engineInventory(target.api!);
      const events = new TypedEmitter<ScenarioEvents>();
      const result = await runScenario(scenario, { target, events });
      expect(result.status, why(result)).toBe('passed');
      expect(result.cleanupErrors).toEqual([]);
      expect(await engineInventory(target.api!)).toEqual(before);
    } finally {
      await target.close();
    }
  });
});

/** The first failed step's report (what was expected beside what was seen), for the assertion message. */
function why(r: RunResult): string {
  const failedStep = (steps: StepRecord[]): StepRecord | undefined => {
    for (const s of steps) {
      if (s.status === 'failed') return failedStep(s.children) ?? s;
    }
    return undefined;
  };
  const f = failedStep(r.steps);
  return f ? `step ${f.id} ${f.step}: ${failureText(f)}` : r.message ?? r.status;
}
