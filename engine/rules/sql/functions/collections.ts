/** get, transform, isNull, isUndefined, nanvl, get_or_default [DG:iot-sql-functions]. */
import { getField, isObject, setKey, toInt, type SqlObject, type SqlValue } from '../values.js';
import { limitExceeded, MAX_VALUE_SIZE, sized, sizeOf } from '../limits.js';
import { pure, V2, type SqlFunction } from './types.js';

/** get(collection, key): Array by 0-based Int index, String by character, Object by String key; else Undefined. */
function get(coll: SqlValue, key: SqlValue): SqlValue {
  if (Array.isArray(coll) || typeof coll === 'string') {
    const i = toInt(key);
    if (i === undefined || i === null || i < 0 || i >= coll.length) return undefined;
    return coll[i];
  }
  if (isObject(coll)) return typeof key === 'string' ? getField(coll, key) : undefined;
  return undefined;
}

/** transform('enrichArray', obj, arr): each element's keys, then obj's keys; other modes Undefined. */
function transform(mode: SqlValue, obj: SqlValue, arr: SqlValue): SqlValue {
  if (mode !== 'enrichArray' || !isObject(obj) || !Array.isArray(arr)) return undefined;
  // Every element gets obj's keys: bound the result before building it.
  if (sizeOf(arr) + arr.length * sizeOf(obj) > MAX_VALUE_SIZE) throw limitExceeded('transform');
  return sized(arr.map((el) => {
    if (!isObject(el)) return el;
    const out: SqlObject = { ...el };
    for (const k of Object.keys(obj)) setKey(out, k, obj[k]);
    return out;
  }), 'transform');
}

export const collectionFunctions: SqlFunction[] = [
  pure('get', 2, 2, get),
  pure('transform', 3, 3, transform, V2),
  pure('isnull', 1, 1, (a) => a === null),
  pure('isundefined', 1, 1, (a) => a === undefined, V2),
  // nanvl: the second argument when the first is Undefined, Null or NaN.
  pure('nanvl', 2, 2, (a, b) => (a === undefined || a === null || (typeof a === 'number' && Number.isNaN(a)) ? b : a)),
  pure('get_or_default', 2, 2, (a, b) => (a === undefined ? b : a), V2),
];
