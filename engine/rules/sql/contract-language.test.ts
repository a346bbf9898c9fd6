/** The contract's SQL language table (what the rule editor completes) stays equal to the engine's. */
import { describe, expect, it } from 'vitest';
import { RULE_SQL_CAST_TYPES, RULE_SQL_FUNCTIONS } from '../../contract/index.js';
import { CAST_TYPE_NAMES } from './functions/cast.js';
import { functionNames, lookupFunction } from './index.js';

describe('the contract SQL language', () => {
  it('lists exactly the engine functions, with their arity, version and extension mark', () => {
    expect(RULE_SQL_FUNCTIONS.map((fn) => fn.name.toLowerCase()).sort()).toEqual(functionNames());
    for (const fn of RULE_SQL_FUNCTIONS) {
      if (fn.name === 'cast') continue; // syntax, not in the table
      const engine = lookupFunction(fn.name)!;
      expect({ name: fn.name, min: fn.minArgs, max: fn.maxArgs ?? Infinity, since: fn.since, extension: fn.extension ?? false })
        .toEqual({ name: fn.name, min: engine.minArgs, max: engine.maxArgs, since: engine.since, extension: engine.extension ?? false });
    }
  });

  it('names the cast types the engine takes', () => {
    expect([...RULE_SQL_CAST_TYPES]).toEqual(CAST_TYPE_NAMES);
  });
});
