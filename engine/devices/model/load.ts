/** `loadDeviceModel(text, fileName)`: YAML → schema → semantic checks → `DeviceModel`, every problem as file:line:col. */
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { EngineError } from '../../core/index.js';
import { normalizeModel } from './normalize.js';
import { formatProblem, PositionMap, type Problem } from './positions.js';
import { schemaProblems } from './schema-validation.js';
import { semanticProblems, triggerProblems } from './semantic-checks.js';
import type { DeviceModel } from './types.js';

/**
 * Parses and checks a device model file. Throws `EngineError('InvalidInput')` whose message lists every problem,
 * one per line as `file:line:col: what was expected`, with `details.problems` holding them as objects.
 */
export function loadDeviceModel(text: string, fileName: string): DeviceModel {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const fail = (problems: Problem[]): never => {
    throw new EngineError('InvalidInput', problems.map(formatProblem).join('\n'), { problems });
  };
  if (doc.errors.length) {
    fail(doc.errors.map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      return { file: fileName, line, col, message: `invalid YAML: ${e.message.replace(/ at line \d+, column \d+[\s\S]*$/, '')}` };
    }));
  }
  const pos = new PositionMap(doc, lines, fileName);
  const aliasProblems = checkAliases(doc, pos);
  if (aliasProblems.length) fail(aliasProblems);
  let raw: unknown;
  try { raw = doc.toJS({ maxAliasCount: 100 }); } catch (e) {
    // The yaml package refuses alias expansions that grow too large (a "billion laughs" file).
    fail([pos.problem(0, `invalid YAML: ${(e as Error).message}`)]);
  }
  const problems = schemaProblems(raw ?? null, pos);
  if (problems.length) fail(problems);
  const model = normalizeModel(raw as Record<string, unknown>);
  const more = [...triggerProblems(raw, pos), ...semanticProblems(model, pos)];
  if (more.length) fail(more.sort((a, b) => a.line - b.line || a.col - b.col));
  return model;
}

/** An alias must name an anchor set before it, and must not sit inside the node it names (a cycle). */
function checkAliases(doc: Document, pos: PositionMap): Problem[] {
  const out: Problem[] = [];
  visit(doc, {
    Alias(_key, alias) {
      const at = alias.range?.[0] ?? 0;
      const target = alias.resolve(doc);
      if (!target) out.push(pos.problem(at, `alias *${alias.source} names no anchor set before it`));
      else if (target.range && at >= target.range[0] && at < target.range[2]) out.push(pos.problem(at, `alias *${alias.source} refers to a node that contains it`));
    },
  });
  return out;
}
