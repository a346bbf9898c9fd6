/**
 * `checkLab(lab, target, opts)`: every check of the lab, in order, against the target; each `done`, `missing` (with
 * what was found instead), `waiting` (a message check whose window is still open) or `skipped` (local-only on a remote
 * target, with why). The first check not done gives its hint. Cheap: one or two API calls per check, no waiting.
 */
import { EngineError } from '../../core/index.js';
import type { Target } from '../../scenarios/index.js';
import { AwsClients, capturedMessages, checkKind, type CheckContext, type CheckResult, type CheckStatus, type Observer } from '../checks/index.js';
import { resolveAccount } from '../format/account.js';
import { labVariables, type LabOptions } from '../format/env.js';
import { interpolate, interpolateHint } from '../format/interpolate.js';
import type { Lab } from '../format/types.js';

export interface CheckOutcome {
  id: string;
  title: string;
  kind: string;
  status: CheckStatus;
  reason: string;
  /** The hint, on the first check that is not done. */
  hint?: string;
}

export interface CheckReport {
  lab: number;
  slug: string;
  target: string;
  attendee: string;
  /** Epoch ms. */
  checkedAt: number;
  checks: CheckOutcome[];
  done: number;
  total: number;
  /**
   * No check missing or waiting: every one done or skipped (each skip says why: a local-only check elsewhere, or
   * messages not watched). `lab check` exits 0 on it.
   */
  complete: boolean;
}

export interface CheckLabOptions extends LabOptions {
  /** Epoch ms the lab started: message checks look at what arrived since (default: an hour ago). */
  since?: number;
  /** The lab's observer connection (remote targets: message checks see what it received). */
  observer?: Observer;
  /** Clients to reuse across rounds (a watch); made and released here otherwise. */
  clients?: AwsClients;
}

/** Topic filters the observer must subscribe for the lab's message and event checks. */
export function labFilters(lab: Lab, vars: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const c of lab.checks) for (const f of checkKind(c.kind)?.filters?.(interpolate(c.args, vars)) ?? []) out.add(f);
  return [...out];
}

export async function checkLab(lab: Lab, target: Target, opts: CheckLabOptions = {}): Promise<CheckReport> {
  await resolveAccount(target);
  const vars = labVariables(lab, target, opts);
  const clients = opts.clients ?? new AwsClients(target);
  const now = Date.now();
  const since = opts.since ?? now - 3_600_000;
  const unseen = new Set<string>();
  const ctx: CheckContext = {
    target, clients, since, now,
    messages: async (filter) => {
      if (target.api) return capturedMessages(target, filter, since);
      if (opts.observer?.watching(filter)) return opts.observer.messages(filter, since);
      unseen.add(filter);
      return [];
    },
  };
  const checks: CheckOutcome[] = [];
  try {
    for (const c of lab.checks) {
      const kind = checkKind(c.kind)!;
      const title = interpolate(c.title, vars);
      let result: CheckResult;
      if (kind.localOnly && !target.api) {
        result = { status: 'skipped', reason: `a ${c.kind} check reads the local engine, which the target '${target.name}' (${target.kind}) is not` };
      } else {
        unseen.clear();
        try {
          result = await kind.check(ctx, interpolate(c.args, vars));
        } catch (e) {
          const message = e instanceof EngineError ? e.message : `the check failed: ${(e as Error).message}`;
          result = { status: 'missing', reason: message };
        }
        // Not seen is not absent: a check that read a filter nobody watched cannot say anything (`absent` included).
        if (unseen.size) {
          result = { status: 'skipped', reason: `messages on ${[...unseen].join(', ')} are seen on '${target.name}' only while the lab is watched (lab check --watch)` };
        }
      }
      checks.push({ id: c.id, title, kind: c.kind, status: result.status, reason: result.reason });
    }
  } finally {
    if (!opts.clients) clients.destroy();
  }
  const first = checks.find((c) => c.status === 'missing' || c.status === 'waiting');
  const firstDecl = first && lab.checks.find((c) => c.id === first.id);
  if (first && firstDecl?.hint) first.hint = interpolateHint(firstDecl.hint, vars);
  const doneCount = checks.filter((c) => c.status === 'done').length;
  return {
    lab: lab.id, slug: lab.slug, target: target.name, attendee: String(vars.attendee), checkedAt: now, checks,
    done: doneCount, total: checks.length, complete: checks.every((c) => c.status === 'done' || c.status === 'skipped'),
  };
}
