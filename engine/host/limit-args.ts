import { defaultLimits, type BrokerLimits } from '../broker/index.js';
import { defaultShadowLimits, type ShadowLimits } from '../shadow/index.js';

/** Limits given on the command line; they override the broker mode's defaults field by field. */
export interface LimitOverrides {
  broker: Partial<BrokerLimits>;
  shadow: Partial<ShadowLimits>;
}

/** A `--limit` argument the CLI refuses; the message says why. */
export class LimitArgError extends Error {}

const SHADOW_PREFIX = 'shadow.';

// Read off the defaults so that a limit added to BrokerLimits or ShadowLimits is accepted here without an edit.
const brokerLimitNames = Object.keys(defaultLimits('aws')) as Array<keyof BrokerLimits>;
const shadowLimitNames = Object.keys(defaultShadowLimits('aws')) as Array<keyof ShadowLimits>;

/** Every name `--limit` accepts: broker limits as they are, shadow limits prefixed `shadow.`. */
export const limitNames: readonly string[] = [...brokerLimitNames, ...shadowLimitNames.map((n) => SHADOW_PREFIX + n)];

/** Parses repeated `--limit NAME=VALUE` arguments (VALUE a non-negative integer, 0 = off); a later NAME wins. */
export function parseLimitArgs(args: readonly string[]): LimitOverrides {
  const overrides: LimitOverrides = { broker: {}, shadow: {} };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new LimitArgError(`--limit must be NAME=VALUE, not '${arg}'`);
    const name = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    if (!limitNames.includes(name)) throw new LimitArgError(`--limit: unknown limit '${name}'; valid names: ${limitNames.join(', ')}`);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) {
      throw new LimitArgError(`--limit ${name} must be a non-negative integer (0 turns the limit off), not '${raw}'`);
    }
    if (name.startsWith(SHADOW_PREFIX)) overrides.shadow[name.slice(SHADOW_PREFIX.length) as keyof ShadowLimits] = value;
    else overrides.broker[name as keyof BrokerLimits] = value;
  }
  return overrides;
}
