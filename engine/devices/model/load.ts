/** `loadDeviceModel(text, fileName)`: YAML → schema → semantic checks → `DeviceModel`, every problem as file:line:col. */
import { LineCounter, parseDocument } from 'yaml';
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
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const problems = schemaProblems(raw ?? null, pos);
  if (problems.length) fail(problems);
  const model = normalizeModel(raw as Record<string, unknown>);
  const more = [...triggerProblems(raw, pos), ...semanticProblems(model, pos)];
  if (more.length) fail(more.sort((a, b) => a.line - b.line || a.col - b.col));
  return model;
}
