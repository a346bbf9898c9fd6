/**
 * The run's variables and `${name}` interpolation (`${name.a[0]}` reaches into a value; `$${` is a literal `${`).
 * `${json(name.path)}` is the value as JSON text, so a string with newlines (a PEM certificate) can sit inside a JSON
 * document written as a string: `"certfile": ${json(signed.certificate)}`.
 */
import { EngineError } from '../../core/index.js';
import { queryJsonPath } from '../match/jsonpath.js';
import type { Variables } from '../steps/step.js';

const REF = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^([A-Za-z_][\w-]*)(.*)$/;
const JSON_OF = /^json\((.*)\)$/;

export class RunVariables implements Variables {
  private readonly values: Map<string, unknown>;

  constructor(initial: Record<string, unknown> = {}, private readonly parent?: RunVariables) {
    this.values = new Map(Object.entries(initial));
  }

  /**
   * A scope for nested steps (`repeat`'s round, `include`'s variables): reads fall through to this one; `set` writes
   * where the name already is, and a new name to the outermost scope, so what a nested step captures outlives it.
   */
  child(values: Record<string, unknown>): RunVariables {
    return new RunVariables(values, this);
  }

  has(name: string): boolean {
    return this.values.has(name) || (this.parent?.has(name) ?? false);
  }

  get(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    return this.parent?.get(name);
  }

  set(name: string, value: unknown): void {
    if (this.values.has(name) || !this.parent) this.values.set(name, value);
    else this.parent.set(name, value);
  }

  /** Every variable visible here (outer scopes first). */
  snapshot(): Record<string, unknown> {
    return { ...(this.parent?.snapshot() ?? {}), ...Object.fromEntries(this.values) };
  }

  interpolate<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k) as string, this.walk(x)]));
    }
    return v;
  }

  private text(s: string): unknown {
    if (!s.includes('${')) return s;
    const whole = /^\$\{([^}]*)\}$/.exec(s);
    if (whole) return this.lookup(whole[1]);
    return s.replace(REF, (m, ref: string | undefined) => {
      if (m === '$${') return '${';
      const v = this.lookup(ref!);
      return typeof v === 'string' ? v : JSON.stringify(v) ?? '';
    });
  }

  private lookup(ref: string): unknown {
    const asJson = JSON_OF.exec(ref.trim());
    if (asJson) return JSON.stringify(this.lookup(asJson[1])) ?? 'null';
    const m = NAME.exec(ref.trim());
    if (!m) throw new EngineError('InvalidInput', `'\${${ref}}' is not a variable reference: expected \${name} or \${name.path}`);
    const [, name, rest] = m;
    if (!this.has(name)) {
      const known = Object.keys(this.snapshot());
      throw new EngineError('InvalidInput', `unknown variable '${name}'${known.length ? `; the variables are ${known.join(', ')}` : '; the scenario sets none'}`);
    }
    const v = this.get(name);
    if (!rest) return v;
    let found: unknown[];
    try {
      found = queryJsonPath(v, `$${rest}`);
    } catch (e) {
      throw new EngineError('InvalidInput', `'\${${ref}}': ${(e as Error).message}`);
    }
    if (found.length === 0) throw new EngineError('InvalidInput', `'\${${ref}}': variable '${name}' has nothing at ${rest}`);
    return found[0];
  }
}
