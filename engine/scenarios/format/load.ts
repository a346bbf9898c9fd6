/**
 * `loadScenario(text, file)`: YAML → schema → step checks → includes, every problem at once as `file:line:col: what
 * was expected`. Throws `EngineError('InvalidInput')` whose message lists the problems one per line (`details.problems`).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { EngineError, formatProblem, pathLabel, PositionMap, type Path, type Problem } from '../../core/index.js';
import { parseDuration } from '../../devices/index.js';
import { stepDefinition, STEP_NAMES } from '../steps/index.js';
import type { StepCall } from '../steps/step.js';
import { schemaProblems } from './schema-problems.js';
import type { DeviceDecl, Scenario } from './types.js';

export interface LoadOptions {
  /** Reads an included file (default: the file system). */
  readFile?: (path: string) => string;
}

type Raw = Record<string, unknown>;

interface LoadState {
  readFile: (path: string) => string;
  /** The devices the scenario that is run declares (included files refer to them). */
  devices?: Set<string>;
  includes: Map<string, Scenario>;
  problems: Problem[];
}

export function loadScenario(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const state: LoadState = { readFile: opts.readFile ?? ((p) => readFileSync(p, 'utf8')), includes: new Map(), problems: [] };
  const scenario = loadOne(text, file, state, [resolve(file)], true);
  if (state.problems.length || !scenario) {
    const problems = dedupe(state.problems);
    throw new EngineError('InvalidInput', problems.map(formatProblem).join('\n'), { problems });
  }
  return scenario;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = formatProblem(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const isMapping = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

function loadOne(text: string, file: string, state: LoadState, chain: string[], root: boolean): Scenario | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      state.problems.push({ file, line, col, message: `invalid YAML: ${e.message.replace(/ at line \d+, column \d+[\s\S]*$/, '')}` });
    }
    return undefined;
  }
  const pos = new PositionMap(doc, lines, file);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    state.problems.push(pos.problem(0, `invalid YAML: ${(e as Error).message}`));
    return undefined;
  }
  // Checked before the schema, which lets a `${…}` string stand for any value: a whole file never can.
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    state.problems.push(pos.problem(0, 'a scenario is a mapping with at least name and steps'));
    return undefined;
  }
  const schema = schemaProblems(raw, pos);
  if (schema.length) {
    state.problems.push(...schema);
    return undefined;
  }
  const r = raw as Raw;
  const at = (path: Path, message: string, where: 'value' | 'key' = 'value') => state.problems.push(pos.at(path, message, where));
  const whereOf = (path: Path) => {
    const p = pos.at(path, '', 'key');
    return `${p.file}:${p.line}:${p.col}`;
  };
  if (r.devices !== undefined && !isMapping(r.devices)) at(['devices'], 'devices: expected a mapping of names to { model, … } (a variable cannot stand for devices: they are checked before the run)');
  const declared = Object.entries(isMapping(r.devices) ? r.devices : {}).filter(([name, d]) => {
    if (isMapping(d)) return true;
    at(['devices', name], `devices.${name}: expected { model, … }`);
    return false;
  }) as Array<[string, Raw]>;
  const devices: DeviceDecl[] = declared.map(([name, d]) => ({
    name,
    model: d.model as string,
    count: (d.count as number | undefined) ?? 1,
    ...(d.seed !== undefined ? { seed: d.seed as number } : {}),
    ...(d.transport !== undefined ? { transport: d.transport as DeviceDecl['transport'] } : {}),
    ...(d.thingName !== undefined ? { thingName: d.thingName as string } : {}),
    where: whereOf(['devices', name]),
  }));
  if (!root) {
    if (r.devices !== undefined) at(['devices'], 'an included file declares no devices: declare them in the scenario that is run', 'key');
    if (r.cleanup !== undefined) at(['cleanup'], 'an included file has no cleanup: put it in the scenario that is run', 'key');
  }
  const deviceNames = root ? new Set(devices.map((d) => d.name)) : state.devices ?? new Set<string>();
  if (root) state.devices = deviceNames;
  const baseDir = dirname(resolve(file));

  // The schema lets a `${…}` string stand for any value, to be checked once interpolated; steps and devices are
  // needed before the run, so their shapes are checked here.
  const toCalls = (list: unknown, path: Path): StepCall[] => {
    if (!Array.isArray(list)) {
      at(path, `${pathLabel(path)}: expected a list of steps (a variable cannot stand for steps: they are checked before the run)`);
      return [];
    }
    return list.map((item, i) => {
      const itemPath = [...path, i];
      if (!isMapping(item)) {
        at(itemPath, `${pathLabel(itemPath)}: expected a step, a mapping such as { publish: … }`);
        return { step: 'name', args: undefined, where: whereOf(itemPath) };
      }
      const entry = item;
      const keys = Object.keys(entry).filter((k) => k !== 'name');
      if (keys.length !== 1) {
        at(itemPath, keys.length === 0 ? `${pathLabel(itemPath)}: expected a step besides its name; the steps are: ${STEP_NAMES.join(', ')}` : `${pathLabel(itemPath)}: one step per list item, found ${keys.join(' and ')}`);
        return { step: keys[0] ?? 'name', args: undefined, where: whereOf(itemPath) };
      }
      const step = keys[0];
      const def = stepDefinition(step)!;
      const argPath = [...itemPath, step];
      let args = entry[step];
      for (const key of def.stepLists ?? []) {
        const nested = isMapping(args) ? args[key] : undefined;
        if (nested !== undefined) args = { ...(args as Raw), [key]: toCalls(nested, [...argPath, key]) };
      }
      for (const problem of def.check?.(args) ?? []) at(argPath, problem);
      for (const ref of def.deviceRefs?.(args) ?? []) {
        if (!ref.includes('${') && !deviceNames.has(ref)) {
          at(argPath, `no device '${ref}' is declared${deviceNames.size ? `; the devices are ${[...deviceNames].join(', ')}` : ' (declare it under devices:)'}`);
        }
      }
      for (const inc of def.includes?.(args) ?? []) includeFile(inc, argPath);
      return { step, args, where: whereOf(argPath), ...(typeof entry.name === 'string' ? { label: entry.name } : {}) };
    });
  };

  const includeFile = (inc: string, path: Path) => {
    if (inc.includes('${')) {
      at(path, 'the file an include names cannot use variables: it is loaded and checked before the run');
      return;
    }
    const abs = resolve(baseDir, inc);
    if (chain.includes(abs)) {
      at(path, `include cycle: ${[...chain.slice(chain.indexOf(abs)), abs].map((p) => p.slice(baseDir.length + 1) || p).join(' → ')}`);
      return;
    }
    if (state.includes.has(abs)) return;
    let text: string;
    try {
      text = state.readFile(abs);
    } catch {
      at(path, `no scenario file '${inc}' (looked for ${abs})`);
      return;
    }
    const loaded = loadOne(text, abs, state, [...chain, abs], false);
    if (loaded) state.includes.set(abs, loaded);
  };

  const steps = toCalls(r.steps, ['steps']);
  const cleanup = toCalls(r.cleanup ?? [], ['cleanup']);
  let timeoutMs: number | undefined;
  if (r.timeout !== undefined) {
    timeoutMs = parseDuration(r.timeout as string | number);
    if (!Number.isFinite(timeoutMs)) at(['timeout'], 'timeout: expected a duration such as 30s or 5m (variables are not allowed here)');
  }
  return {
    file,
    name: r.name as string,
    ...(r.description !== undefined ? { description: r.description as string } : {}),
    ...(r.target !== undefined ? { target: r.target as string } : {}),
    ...(r.seed !== undefined ? { seed: r.seed as number } : {}),
    ...(r.deterministic !== undefined ? { deterministic: r.deterministic as boolean } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    variables: (r.variables as Record<string, unknown> | undefined) ?? {},
    devices,
    steps,
    cleanup,
    includes: state.includes,
  };
}
