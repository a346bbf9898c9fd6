/**
 * Cron-like schedules in UTC: `sec min hour day-of-month month day-of-week` (or five fields, seconds = 0).
 * Each field is `*`, `n`, `a-b`, `*\/n`, `a-b/n`, or a comma list of those. Day-of-week 0 and 7 are Sunday.
 * When both day fields are restricted, a day matches either (as in cron).
 */

export class ScheduleError extends Error {
  constructor(message: string) { super(message); this.name = 'ScheduleError'; }
}

export interface Schedule {
  readonly source: string;
  /** The first firing time strictly after `t` (ms), or undefined if none within 5 years. */
  next(t: number): number | undefined;
}

const FIELDS = [
  { name: 'second', min: 0, max: 59 }, { name: 'minute', min: 0, max: 59 }, { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 }, { name: 'month', min: 1, max: 12 }, { name: 'day of week', min: 0, max: 7 },
];

function parseField(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new ScheduleError(`${f.name}: expected *, n, a-b or */n but found '${part}'`);
    const lo = m[1] === '*' ? f.min : Number(m[2]);
    const hi = m[1] === '*' ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < f.min || hi > f.max || lo > hi) throw new ScheduleError(`${f.name}: expected values from ${f.min} to ${f.max} but found '${part}'`);
    if (step < 1) throw new ScheduleError(`${f.name}: step must be at least 1`);
    for (let v = lo; v <= hi; v += step) out.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return out;
}

export function parseSchedule(source: string): Schedule {
  let parts = source.trim().split(/\s+/);
  if (parts.length === 5) parts = ['0', ...parts];
  if (parts.length !== 6) throw new ScheduleError(`expected 5 or 6 fields (sec min hour day month weekday) but found ${parts.length}`);
  const [sec, min, hour, dom, mon, dow] = parts.map((p, k) => parseField(p, FIELDS[k]));
  const domAny = parts[3] === '*', dowAny = parts[5] === '*';
  const dayOk = (d: Date): boolean => {
    const a = dom.has(d.getUTCDate()), b = dow.has(d.getUTCDay());
    return domAny && dowAny ? true : domAny ? b : dowAny ? a : a || b;
  };
  return {
    source,
    next(t: number) {
      const d = new Date(Math.floor(t / 1000) * 1000 + 1000);
      const limit = t + 5 * 366 * 86_400_000;
      while (d.getTime() <= limit) {
        if (!mon.has(d.getUTCMonth() + 1)) { d.setUTCMonth(d.getUTCMonth() + 1, 1); d.setUTCHours(0, 0, 0, 0); continue; }
        if (!dayOk(d)) { d.setUTCDate(d.getUTCDate() + 1); d.setUTCHours(0, 0, 0, 0); continue; }
        if (!hour.has(d.getUTCHours())) { d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0); continue; }
        if (!min.has(d.getUTCMinutes())) { d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0); continue; }
        if (!sec.has(d.getUTCSeconds())) { d.setUTCSeconds(d.getUTCSeconds() + 1, 0); continue; }
        return d.getTime();
      }
      return undefined;
    },
  };
}
