import fs from 'node:fs';
import path from 'node:path';
import { TypedEmitter } from '../../engine/core/index.js';
import { loadScenario, runScenario, type RunOptions, type RunResult, type ScenarioEvents } from '../../engine/scenarios/index.js';
import type { Target } from '../../engine/scenarios/targets/target.js';
import { tempDir } from './temp-dirs.js';

export interface RecordedRun {
  result: RunResult;
  events: Array<{ name: keyof ScenarioEvents; data: unknown }>;
  dir: string;
}

/** Writes `files` (the scenario as `main.yaml`) to a fresh folder, loads it and runs it on `target`, recording every event. */
export async function runFiles(target: Target, files: Record<string, string>, opts: Partial<RunOptions> & { onEvents?: (e: TypedEmitter<ScenarioEvents>) => void } = {}): Promise<RecordedRun> {
  const dir = tempDir('tb-scenario-');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const file = path.join(dir, 'main.yaml');
  const scenario = loadScenario(fs.readFileSync(file, 'utf8'), file);
  const emitter = opts.events ?? new TypedEmitter<ScenarioEvents>();
  const events: RecordedRun['events'] = [];
  for (const name of ['run.started', 'step.started', 'step.progress', 'step.log', 'step.finished', 'cleanup.finished', 'run.finished'] as const) {
    emitter.on(name, (data) => events.push({ name, data }));
  }
  opts.onEvents?.(emitter);
  const result = await runScenario(scenario, { ...opts, target, events: emitter });
  return { result, events, dir };
}
