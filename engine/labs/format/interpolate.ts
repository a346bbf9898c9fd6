/**
 * `${NAME}` in a lab's checks, titles and hints: a lab variable is replaced (`${endpoint.host}` reaches into one); any
 * other `${…}` (AWS's policy variables `${iot:Connection.Thing.ThingName}`, substitution templates `${topic(2)}`) is
 * AWS's own and stays as written. A string that is exactly one `${NAME}` takes the variable's value with its type.
 */
const REF = /\$\{([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)\}/g;

function lookup(vars: Record<string, unknown>, name: string, path: string): { found: boolean; value?: unknown } {
  if (!Object.prototype.hasOwnProperty.call(vars, name)) return { found: false };
  let v: unknown = vars[name];
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return { found: false };
    v = (v as Record<string, unknown>)[key];
  }
  return { found: v !== undefined, value: v };
}

export function interpolate<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)\}$/.exec(value);
    if (whole) {
      const r = lookup(vars, whole[1], whole[2]);
      if (r.found) return r.value as T;
    }
    return value.replace(REF, (m, name: string, path: string) => {
      const r = lookup(vars, name, path);
      if (!r.found) return m;
      return typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [interpolate(k, vars), interpolate(v, vars)])) as T;
  return value;
}

/** `$THING` and `${THING}` in a hint become the names (a hint speaks the guide's shell language). */
export function interpolateHint(text: string, vars: Record<string, unknown>): string {
  return interpolate(text, vars).replace(/\$([A-Z][A-Z0-9_]*)\b/g, (m, name: string) => (typeof vars[name] === 'string' ? (vars[name] as string) : m));
}
