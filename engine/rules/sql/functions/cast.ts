/** cast(value AS type) [DG:iot-sql-functions#iot-sql-function-cast]: the standard conversions plus number↔Boolean. */
import type { SqlVersion } from '../ast.js';
import { toBoolean, toNumber, toText, type SqlValue } from '../values.js';

export type CastTarget = 'String' | 'Int' | 'Decimal' | 'Boolean';

/** Type keywords and the version that introduced them (Decimal and Bool/Boolean came with 2016-03-23). */
const TARGETS: Record<string, { target: CastTarget; since: SqlVersion }> = {
  string: { target: 'String', since: '2015-10-08' }, nvarchar: { target: 'String', since: '2015-10-08' },
  text: { target: 'String', since: '2015-10-08' }, ntext: { target: 'String', since: '2015-10-08' },
  varchar: { target: 'String', since: '2015-10-08' },
  int: { target: 'Int', since: '2015-10-08' }, integer: { target: 'Int', since: '2015-10-08' },
  double: { target: 'Decimal', since: '2015-10-08' },
  decimal: { target: 'Decimal', since: '2016-03-23' },
  bool: { target: 'Boolean', since: '2016-03-23' }, boolean: { target: 'Boolean', since: '2016-03-23' },
};

export function castTarget(typeName: string): { target: CastTarget; since: SqlVersion } | undefined {
  return TARGETS[typeName.toLowerCase()];
}

export const CAST_TYPE_NAMES = ['String', 'Nvarchar', 'Text', 'Ntext', 'varchar', 'Int', 'Integer', 'Double', 'Decimal', 'Bool', 'Boolean'];

/** Null casts to Undefined for every target. */
export function castTo(target: CastTarget, v: SqlValue): SqlValue {
  if (v === null || v === undefined) return undefined;
  switch (target) {
    case 'String': return toText(v);
    case 'Boolean':
      if (typeof v === 'number') return v !== 0;
      return toBoolean(v);
    case 'Int':
      if (typeof v === 'boolean') return v ? 1 : 0;
      { const n = toNumber(v); return n === undefined ? undefined : Math.floor(n) + 0; } // "rounded down"
    case 'Decimal':
      if (typeof v === 'boolean') return v ? 1 : 0;
      return toNumber(v);
  }
}
