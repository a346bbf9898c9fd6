export * from './attribute-value.js';
export * from './ddb-number.js';
export * from './ddb-errors.js';
export * from './expressions.js';
export { applyUpdate, evaluateCondition, resolvePath, updatedPaths } from './expression-eval.js';
export type { Condition, PathElem, UpdatePlan } from './expression-parser.js';
export { isReservedWord } from './reserved-words.js';
