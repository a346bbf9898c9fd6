import type { SqlVersion } from '../ast.js';
import type { MessageContext } from '../context.js';
import type { SqlValue } from '../values.js';

/**
 * One AWS IoT SQL function [DG:iot-sql-functions]. Exactly one of `pure` (depends only on its arguments, so it
 * can be folded when they are constants) or `contextual` (reads the message or the environment) is set.
 * Invalid arguments give Undefined, never an exception [DG:iot-sql-data-types].
 */
export interface SqlFunction {
  /** Canonical lower-case name; calls are matched case-insensitively (the docs write `Round(1.2)`, `isNull`). */
  name: string;
  minArgs: number;
  maxArgs: number;
  /** First SQL version that has it. */
  since: SqlVersion;
  pure?: (...args: SqlValue[]) => SqlValue;
  contextual?: (ctx: MessageContext, ...args: SqlValue[]) => SqlValue;
  /** Not in AWS's list: a Thingbench addition (the checker warns). */
  extension?: boolean;
  /** Reaches an AWS service; locally it goes through `env.callExternal` (else Undefined). */
  external?: boolean;
}

export const V1: SqlVersion = '2015-10-08';
export const V2: SqlVersion = '2016-03-23';

export function pure(name: string, minArgs: number, maxArgs: number, fn: (...args: SqlValue[]) => SqlValue, since: SqlVersion = V1): SqlFunction {
  return { name, minArgs, maxArgs, since, pure: fn };
}

export function contextual(name: string, minArgs: number, maxArgs: number, fn: (ctx: MessageContext, ...args: SqlValue[]) => SqlValue, since: SqlVersion = V1): SqlFunction {
  return { name, minArgs, maxArgs, since, contextual: fn };
}
