/** Time-zone arithmetic on top of Intl (IANA zones), for parse_time and time_to_epoch. */

export interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short', era: 'short', timeZoneName: 'short',
      });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Wall-clock fields, offset (ms) and short zone name of `epochMs` in `zone`; undefined for an unknown zone. */
export function inZone(epochMs: number, zone: string): { wall: WallClock; offsetMs: number; shortName: string } | undefined {
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) {
    const d = new Date(epochMs + fixed);
    const wall = {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
      minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: ((d.getUTCDay() + 6) % 7) + 1,
    };
    return { wall, offsetMs: fixed, shortName: fixed === 0 ? 'UTC' : offsetText(fixed, true) };
  }
  const f = formatter(zone);
  if (!f) return undefined;
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = {
    year, month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour),
    minute: Number(parts.minute), second: Number(parts.second), weekday: WEEKDAYS.indexOf(parts.weekday) + 1,
  };
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const offsetMs = asUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
  return { wall, offsetMs, shortName: parts.timeZoneName ?? zone };
}

/** Epoch ms of a wall-clock time in `zone` (DST gaps resolve forward, overlaps to the earlier instant). */
export function fromZone(localAsUtcMs: number, zone: string): number | undefined {
  const first = inZone(localAsUtcMs, zone);
  if (!first) return undefined;
  let utc = localAsUtcMs - first.offsetMs;
  const second = inZone(utc, zone);
  if (second && second.offsetMs !== first.offsetMs) utc = localAsUtcMs - second.offsetMs;
  return utc;
}

/** `UTC`, `GMT`, `Z`, `UTC+01:00`, `GMT-5`, `+0530`: a fixed offset in ms; undefined for region zones. */
export function fixedOffset(zone: string): number | undefined {
  if (/^(UTC|GMT|UT|Z)$/i.test(zone)) return 0;
  const m = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (!m) return undefined;
  const ms = (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
  return m[1] === '-' ? -ms : ms;
}

export function offsetText(offsetMs: number, colon: boolean): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.abs(offsetMs) / 60_000;
  const hh = String(Math.floor(total / 60)).padStart(2, '0');
  const mm = String(total % 60).padStart(2, '0');
  return `${sign}${hh}${colon ? ':' : ''}${mm}`;
}

/** Common abbreviations Java's `z` parser accepts (standard and daylight time). */
export const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, Z: 0, EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7,
  AKST: -9, AKDT: -8, HST: -10, CET: 1, CEST: 2, EET: 2, EEST: 3, WET: 0, WEST: 1, BST: 1, IST: 5.5, JST: 9,
};
