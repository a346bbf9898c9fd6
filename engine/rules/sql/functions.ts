/**
 * The function table: every AWS IoT SQL function that makes sense locally [DG:iot-sql-functions], by family
 * under functions/. `cast` is syntax (its own AST node); `sql_version()` is folded by the compiler.
 */
import { collectionFunctions } from './functions/collections.js';
import { encodingFunctions } from './functions/encoding.js';
import { hashFunctions } from './functions/hashes.js';
import { mathFunctions } from './functions/math.js';
import { messageFunctions } from './functions/message.js';
import { regexpFunctions } from './functions/regexp.js';
import { stringFunctions } from './functions/strings.js';
import { timeFunctions } from './functions/time.js';
import { pure, type SqlFunction } from './functions/types.js';

export type { SqlFunction } from './functions/types.js';

/** `sql_version()` is replaced by the rule's version at compile time; this entry only carries arity and docs. */
const sqlVersion = pure('sql_version', 0, 0, () => undefined);

const ALL: SqlFunction[] = [
  ...mathFunctions, ...stringFunctions, ...regexpFunctions, ...hashFunctions, ...encodingFunctions,
  ...collectionFunctions, ...timeFunctions, ...messageFunctions, sqlVersion,
];

const BY_NAME = new Map(ALL.map((f) => [f.name, f]));

/** Case-insensitive lookup. */
export function lookupFunction(name: string): SqlFunction | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every function name (lower-case), for editor completion. `cast` included. */
export function functionNames(): string[] {
  return [...BY_NAME.keys(), 'cast'].sort();
}
