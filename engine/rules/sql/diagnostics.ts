/**
 * SQL diagnostics: what the editor underlines. Positions are UTF-16 offsets into the SQL text (what monaco and
 * JavaScript strings use); `line` and `column` are 1-based. Over the AWS API they become `SqlParseException`.
 */
import { EngineError } from '../../core/index.js';

export type SqlDiagnosticCode =
  | 'UnexpectedToken' | 'UnterminatedString' | 'InvalidCharacter' | 'InvalidTopicFilter'
  | 'UnknownFunction' | 'WrongArgumentCount' | 'VersionMismatch' | 'UnknownCastType' | 'InvalidArgument'
  | 'TypeMismatch' | 'MissingAlias' | 'Extension' | 'NotAvailableLocally' | 'UnknownVariable' | 'TooDeep' | 'LimitExceeded'
  | 'UnsupportedRegex';

export interface SqlDiagnostic {
  code: SqlDiagnosticCode;
  /** `error`: AWS rejects the rule. `warning`: AWS accepts it, but the result is likely not what was meant. */
  severity: 'error' | 'warning';
  message: string;
  offset: number;
  length: number;
  line: number;
  column: number;
  /** For syntax errors: what the parser would have accepted here. */
  expected?: string[];
}

/** Thrown by `parse` and `compile` when the SQL has at least one error; every diagnostic is attached. */
export class SqlError extends EngineError {
  constructor(readonly diagnostics: SqlDiagnostic[]) {
    const first = diagnostics[0];
    super('InvalidInput', first ? `${first.message} (line ${first.line}, column ${first.column})` : 'invalid SQL', { diagnostics });
    this.name = 'SqlError';
  }
}

/**
 * A function or operator refused to run at evaluation: its result would be too large, or its regular expression
 * uses a feature the linear-time engine does not have. Folded from constants at compile time it becomes a
 * `SqlError` (SqlParseException); at evaluation the rule fails with this message in its trace.
 */
export class SqlEvaluationError extends EngineError {
  constructor(readonly diagnosticCode: 'LimitExceeded' | 'UnsupportedRegex', message: string) {
    super(diagnosticCode === 'LimitExceeded' ? 'TooLarge' : 'InvalidInput', message);
    this.name = 'SqlEvaluationError';
  }
}

/** 1-based line and column of `offset` in `source`; `\r\n`, `\n` and `\r` all end a line. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function makeDiagnostic(
  source: string, code: SqlDiagnosticCode, severity: 'error' | 'warning',
  span: { start: number; end: number }, message: string, expected?: string[],
): SqlDiagnostic {
  const { line, column } = lineColumn(source, span.start);
  const d: SqlDiagnostic = { code, severity, message, offset: span.start, length: Math.max(0, span.end - span.start), line, column };
  if (expected) d.expected = expected;
  return d;
}
