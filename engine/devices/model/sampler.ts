/**
 * The public sampling API: a device's context (thing name, client id, attributes, vars rendered from the model's
 * templates) and a sampler for a set of fields. Deterministic; time is always an argument.
 */
import { EngineError } from '../../core/index.js';
import { compileExpression, compileTemplate, type CompiledTemplate, type Scope } from './expression.js';
import { compileGenerator, type Gen } from './generators.js';
import type { FieldSampler, SamplerOptions } from './sampler-types.js';
import type { DeviceContext, DeviceModel, FieldSpec } from './types.js';

/** The names the expressions anywhere inside `spec` read. */
export function referencedNames(spec: FieldSpec): Set<string> {
  const out = new Set<string>();
  const walk = (s: FieldSpec): void => {
    if (s.gen === 'expr') compileExpression(s.expr).names.forEach((n) => out.add(n));
    else if (s.gen === 'object') Object.values(s.fields).forEach(walk);
    else if (s.gen === 'array') walk(s.items);
    else if (s.gen === 'spike' || s.gen === 'anomaly') walk(s.base);
  };
  walk(spec);
  return out;
}

/**
 * Orders top-level fields so each comes after the fields its expressions read. Returns the order, or the names of
 * a cycle (`['a', 'b', 'a']`).
 */
export function evaluationOrder(fields: Record<string, FieldSpec>): { order: string[] } | { cycle: string[] } {
  const names = Object.keys(fields);
  const deps = new Map(names.map((n) => [n, [...referencedNames(fields[n])].filter((d) => d in fields)]));
  const order: string[] = [], state = new Map<string, 1 | 2>(), stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1); stack.push(n);
    for (const d of deps.get(n) ?? []) { const c = visit(d); if (c) return c; }
    stack.pop(); state.set(n, 2); order.push(n);
    return undefined;
  };
  for (const n of names) { const cycle = visit(n); if (cycle) return { cycle }; }
  return { order };
}

/** What every template and expression of a device sees. */
export function contextScope(ctx: DeviceContext): Record<string, unknown> {
  return {
    ...ctx.vars, index: ctx.index, deviceIndex: ctx.index, seed: ctx.seed, model: ctx.model,
    thingName: ctx.thingName, clientId: ctx.clientId, attributes: ctx.attributes,
  };
}

/** Renders the model's identity templates and vars for device `index` of a fleet run with `seed`. */
export function createDeviceContext(model: DeviceModel, index: number, seed: number): DeviceContext {
  const ctx: DeviceContext = { index, seed, model: model.name, thingName: '', clientId: '', attributes: {}, vars: {} };
  for (const [k, tpl] of Object.entries(model.vars)) ctx.vars[k] = compileTemplate(tpl).render(contextScope(ctx));
  ctx.thingName = compileTemplate(model.identity.thingName).render(contextScope(ctx));
  ctx.clientId = compileTemplate(model.identity.clientId).render(contextScope(ctx));
  for (const [k, tpl] of Object.entries(model.identity.attributes)) ctx.attributes[k] = compileTemplate(tpl).render(contextScope(ctx));
  return ctx;
}

/**
 * A sampler for `fields` (one telemetry message, or a command reply) of the device `ctx`. Each field draws from its
 * own stream seeded by (ctx.seed, ctx.index, field path). Throws `EngineError('InvalidInput')` on a cycle between
 * expression fields or a replay file that was not loaded.
 */
export function createFieldSampler(fields: Record<string, FieldSpec>, ctx: DeviceContext, options: SamplerOptions = {}): FieldSampler {
  const ord = evaluationOrder(fields);
  if ('cycle' in ord) throw new EngineError('InvalidInput', `expression fields form a cycle: ${ord.cycle.join(' → ')}`);
  const gens: [string, Gen][] = ord.order.map((k) => [k, compileGenerator(fields[k], k, { device: ctx, replay: options.replay })]);
  const base = contextScope(ctx);
  const keys = Object.keys(fields);
  let start = options.startTime;
  return {
    sample(t: number, scope?: Record<string, unknown>) {
      start ??= t;
      const elapsed = t - start;
      const values: Record<string, unknown> = {};
      // The expression scope is built only when an expression reads it: most telemetry has none, and a fleet samples
      // thousands of messages a second.
      let s: Record<string, unknown> | undefined;
      const env = { t, elapsed, get scope() { return (s ??= { ...base, ...options.scope, ...scope, t, elapsed, ...values }) as Scope; } };
      for (const [k, g] of gens) {
        const v = g(env);
        values[k] = v;
        if (s) s[k] = v;
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = values[k];
      return out;
    },
  };
}

/** Renders a template (topic, will payload) for a device, with extra names such as a message's field values. */
export function renderTemplate(template: string, ctx: DeviceContext, extra: Record<string, unknown> = {}): string {
  let compiled = templateCache.get(template);
  if (!compiled) {
    compiled = compileTemplate(template);
    if (templateCache.size >= 1000) templateCache.delete(templateCache.keys().next().value as string);
    templateCache.set(template, compiled);
  }
  return compiled.render({ ...contextScope(ctx), ...extra });
}
/** A fleet renders the same few topic templates once per publish: compile each once (bounded, oldest dropped first). */
const templateCache = new Map<string, CompiledTemplate>();
