/**
 * `loadLab(dir)`: `lab.yaml` → schema → check kinds, names, start steps; `guide.md` → sections and steps;
 * `solution.yaml` must exist. Every problem at once as `file:line:col: what was expected`, in an
 * `EngineError('InvalidInput')` whose `details.problems` lists them (as the scenario loader does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { EngineError, formatProblem, pathLabel, PositionMap, type Path, type Problem } from '../../core/index.js';
import { compileMatcher, schemaProblems, stepDefinition, STEP_NAMES, type DeviceDecl, type StepCall } from '../../scenarios/index.js';
import { checkKind, CHECK_KIND_NAMES } from '../checks/index.js';
import { parseGuide } from './guide.js';
import { labSchema } from './schema.js';
import type { Lab, LabCheck, LabNameDecl, LabOmitTest } from './types.js';

type Raw = Record<string, unknown>;
const isMapping = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The variables every lab has besides its names (checks, start and solution use them as `${account}`, …). */
export const BUILTIN_VARIABLES = ['account', 'region', 'attendee', 'lab', 'endpoint'] as const;

export function loadLab(dir: string): Lab {
  const abs = resolve(dir);
  const file = join(abs, 'lab.yaml');
  const problems: Problem[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new EngineError('NotFound', `no lab in ${abs}: it has no lab.yaml`);
  }
  const lab = parseLab(text, file, problems);
  const guideFile = join(abs, 'guide.md');
  let guideText = '';
  try {
    guideText = readFileSync(guideFile, 'utf8');
  } catch {
    problems.push({ file: guideFile, line: 1, col: 1, message: 'a lab has a guide.md: what the attendee reads' });
  }
  const { guide, problems: guideProblems } = parseGuide(guideText, guideFile);
  if (guideText) problems.push(...guideProblems);
  const solutionFile = join(abs, 'solution.yaml');
  if (!existsSync(solutionFile)) problems.push({ file: solutionFile, line: 1, col: 1, message: 'a lab has a solution.yaml: the reference solution, a scenario' });
  if (lab) {
    const folder = basename(abs);
    const expected = `${String(lab.id).padStart(2, '0')}-${lab.slug}`;
    if (folder !== expected) problems.push({ file, line: 1, col: 1, message: `the lab's folder is ${folder}, expected ${expected} (its id and slug)` });
    for (const o of lab.tests.omit) {
      if (guideText && !guide.steps.some((s) => s.n === o.step)) problems.push({ file, line: 1, col: 1, message: `tests.omit: the guide has no step ${o.step}` });
    }
  }
  if (problems.length || !lab) {
    throw new EngineError('InvalidInput', problems.map(formatProblem).join('\n'), { problems });
  }
  return { ...lab, dir: abs, file, guide, solutionFile };
}

type Parsed = Omit<Lab, 'dir' | 'file' | 'guide' | 'solutionFile'>;

/** Parses and checks `lab.yaml`'s text; pushes problems and returns undefined when it cannot be read at all. */
export function parseLab(text: string, file: string, problems: Problem[]): Parsed | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      problems.push({ file, line, col, message: `invalid YAML: ${e.message.replace(/ at line \d+, column \d+[\s\S]*$/, '')}` });
    }
    return undefined;
  }
  const pos = new PositionMap(doc, lines, file);
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isMapping(raw)) {
    problems.push(pos.problem(0, 'a lab is a mapping with at least id, slug, title, summary, minutes and checks'));
    return undefined;
  }
  const schema = schemaProblems(raw, pos, labSchema);
  if (schema.length) {
    problems.push(...schema);
    return undefined;
  }
  const at = (path: Path, message: string, where: 'value' | 'key' = 'value') => problems.push(pos.at(path, message, where));
  const whereOf = (path: Path) => {
    const p = pos.at(path, '', 'key');
    return `${p.file}:${p.line}:${p.col}`;
  };

  const names: LabNameDecl[] = Object.entries((raw.names as Raw | undefined) ?? {}).map(([variable, d]) => ({ variable, kind: (d as Raw).kind as LabNameDecl['kind'], base: (d as Raw).base as string }));
  const known = new Set<string>([...names.map((n) => n.variable), ...BUILTIN_VARIABLES]);
  const seenBases = new Map<string, string>();
  for (const n of names) {
    const key = `${n.kind}:${n.base}`;
    if (seenBases.has(key)) at(['names', n.variable], `names.${n.variable}: the ${n.kind} ${n.base} is also ${seenBases.get(key)}`);
    seenBases.set(key, n.variable);
  }

  // Every ${NAME} a check, a start step or a hint uses is a name or a built-in variable (AWS's ${iot:…} and
  // ${topic(2)} are AWS's: left alone).
  const unknownRefs = (value: unknown, path: Path) => {
    const visit = (v: unknown, p: Path) => {
      if (typeof v === 'string') {
        for (const m of v.matchAll(/(?<!\$)\$\{([A-Za-z_][\w-]*)(?=[}.[])/g)) {
          if (!known.has(m[1])) at(p, `${pathLabel(p)}: unknown variable \${${m[1]}}; the lab's variables are ${[...known].join(', ')}`);
        }
      } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...p, i]));
      else if (isMapping(v)) Object.entries(v).forEach(([k, x]) => visit(x, [...p, k]));
    };
    visit(value, path);
  };

  const checks: LabCheck[] = [];
  const ids = new Set<string>();
  (raw.checks as Raw[]).forEach((c, i) => {
    const path = ['checks', i];
    const kinds = Object.keys(c).filter((k) => !['id', 'title', 'hint'].includes(k));
    if (kinds.length !== 1) {
      at(path, kinds.length ? `${pathLabel(path)}: one check kind per check, found ${kinds.join(' and ')}` : `${pathLabel(path)}: expected a check kind besides id, title and hint; the kinds are: ${CHECK_KIND_NAMES.join(', ')}`);
      return;
    }
    const id = c.id as string;
    if (ids.has(id)) at([...path, 'id'], `${pathLabel(path)}: the check id '${id}' is used twice`);
    ids.add(id);
    const kind = kinds[0];
    const args = c[kind];
    if (kind === 'message' || kind === 'sink') {
      const spec = args as Raw;
      try {
        // Matchers compile now: a bad JSONPath or regex is the author's mistake, found before any lab runs.
        if (!JSON.stringify(spec).includes('${')) compileMatcherCheck(spec);
      } catch (e) {
        at([...path, kind], `${pathLabel([...path, kind])}: ${(e as Error).message}`);
      }
    }
    for (const problem of checkKind(kind)!.problems?.(args) ?? []) at([...path, kind], `${pathLabel([...path, kind])}: ${problem}`);
    unknownRefs(args, [...path, kind]);
    unknownRefs(c.title, [...path, 'title']);
    checks.push({ id, title: c.title as string, ...(c.hint !== undefined ? { hint: c.hint as string } : {}), kind, args, where: whereOf(path) });
  });

  const devices: DeviceDecl[] = Object.entries((raw.devices as Raw | undefined) ?? {}).map(([name, d]) => ({
    name, model: (d as Raw).model as string, count: ((d as Raw).count as number | undefined) ?? 1,
    ...((d as Raw).seed !== undefined ? { seed: (d as Raw).seed as number } : {}),
    ...((d as Raw).transport !== undefined ? { transport: (d as Raw).transport as DeviceDecl['transport'] } : {}),
    ...((d as Raw).thingName !== undefined ? { thingName: (d as Raw).thingName as string } : {}),
    where: whereOf(['devices', name]),
  }));
  const start = toCalls(raw.start ?? [], ['start'], at, whereOf, new Set(devices.map((d) => d.name)));
  unknownRefs(raw.start, ['start']);

  const omitRaw = (raw.tests as Raw | undefined)?.omit;
  const localOnly = (raw.tests as Raw | undefined)?.localOnly;
  const omit: LabOmitTest[] = omitRaw === undefined ? [] : (Array.isArray(omitRaw) ? omitRaw : [omitRaw]) as LabOmitTest[];
  omit.forEach((o) => {
    if (!ids.has(o.missing)) at(['tests', 'omit'], `tests.omit: no check has the id '${o.missing}'; the checks are ${[...ids].join(', ')}`);
  });

  return {
    id: raw.id as number, slug: raw.slug as string, title: raw.title as string, summary: raw.summary as string,
    minutes: raw.minutes as number, cost: (raw.cost as string | undefined) ?? '',
    names, devices, start, checks, tests: { omit, ...(typeof localOnly === 'string' ? { localOnly } : {}) },
  };
}

function compileMatcherCheck(spec: Raw): void {
  compileMatcher({ json: spec.json, payload: spec.payload, where: spec.where as never, regex: spec.regex as string | undefined, schema: spec.schema as Raw | undefined });
}

/** Start steps as the runner takes them (nested step lists too); include steps are refused (a lab has one file). */
function toCalls(list: unknown, path: Path, at: (p: Path, m: string, w?: 'value' | 'key') => void, whereOf: (p: Path) => string, devices: Set<string>): StepCall[] {
  if (!Array.isArray(list)) return [];
  return list.map((item: Raw, i) => {
    const itemPath = [...path, i];
    const keys = Object.keys(item).filter((k) => k !== 'name');
    if (keys.length !== 1) {
      at(itemPath, keys.length ? `${pathLabel(itemPath)}: one step per list item, found ${keys.join(' and ')}` : `${pathLabel(itemPath)}: expected a step; the steps are: ${STEP_NAMES.join(', ')}`);
      return { step: keys[0] ?? 'name', args: undefined };
    }
    const step = keys[0];
    const def = stepDefinition(step)!;
    const argPath = [...itemPath, step];
    let args = item[step];
    if (step === 'include') at(argPath, 'a lab\'s start cannot include files: write its steps here');
    for (const key of def.stepLists ?? []) {
      const nested = isMapping(args) ? args[key] : undefined;
      if (nested !== undefined) args = { ...(args as Raw), [key]: toCalls(nested, [...argPath, key], at, whereOf, devices) };
    }
    for (const problem of def.check?.(args) ?? []) at(argPath, problem);
    for (const ref of def.deviceRefs?.(args) ?? []) {
      if (!ref.includes('${') && !devices.has(ref)) at(argPath, `no device '${ref}' is declared${devices.size ? `; the devices are ${[...devices].join(', ')}` : ' (declare it under devices:)'}`);
    }
    return { step, args, where: whereOf(argPath), ...(typeof item.name === 'string' ? { label: item.name } : {}) };
  });
}
