/**
 * parse_time (Joda-Time patterns) and time_to_epoch (JDK 11 DateTimeFormatter patterns), 2016-03-23
 * [DG:iot-sql-functions#iot-sql-function-parse-time, #iot-sql-function-time-to-epoch]. Zones are IANA ids.
 */
import { RE2JS } from 're2js';
import { limitExceeded, MAX_VALUE_SIZE } from '../limits.js';
import { toNumber, type SqlValue } from '../values.js';
import { fixedOffset, fromZone, inZone, offsetText, ZONE_ABBREVIATIONS, type WallClock } from './time-zones.js';
import { pure, V2, type SqlFunction } from './types.js';

interface PatternToken { letter: string; count: number; literal?: string }

/** Splits a pattern into letter runs and literals (`'at'`, `''` for a quote, other punctuation as is). */
function tokenizePattern(pattern: string): PatternToken[] {
  const out: PatternToken[] = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      let j = i + 1;
      let lit = '';
      for (; j < pattern.length; j++) {
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") { lit += "'"; j++; continue; }
          break;
        }
        lit += pattern[j];
      }
      out.push({ letter: '', count: 0, literal: j === i + 1 ? "'" : lit });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      out.push({ letter: c, count: j - i });
      i = j;
    } else {
      out.push({ letter: '', count: 0, literal: c });
      i++;
    }
  }
  return out;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const pad = (n: number, width: number) => (n < 0 ? '-' : '') + String(Math.abs(n)).padStart(width, '0');

function dayOfYear(w: WallClock): number {
  return (Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(w.year, 0, 1)) / 86_400_000 + 1;
}

function formatField(t: PatternToken, w: WallClock, ms: number, offsetMs: number, zone: string, shortName: string): string | undefined {
  const hour12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  switch (t.letter) {
    case 'G': return w.year > 0 ? 'AD' : 'BC';
    case 'C': return pad(Math.floor(w.year / 100), t.count);
    case 'y': case 'Y': case 'x': case 'u': return t.count === 2 ? pad(((w.year % 100) + 100) % 100, 2) : pad(w.year, t.count);
    case 'M': return t.count >= 4 ? MONTHS[w.month - 1] : t.count === 3 ? MONTHS[w.month - 1].slice(0, 3) : pad(w.month, t.count);
    case 'd': return pad(w.day, t.count);
    case 'D': return pad(dayOfYear(w), t.count);
    case 'E': return t.count >= 4 ? DAYS[w.weekday - 1] : DAYS[w.weekday - 1].slice(0, 3);
    case 'e': return pad(w.weekday, t.count);
    case 'a': return w.hour < 12 ? 'AM' : 'PM';
    case 'H': return pad(w.hour, t.count);
    case 'k': return pad(w.hour === 0 ? 24 : w.hour, t.count);
    case 'K': return pad(w.hour % 12, t.count);
    case 'h': return pad(hour12, t.count);
    case 'm': return pad(w.minute, t.count);
    case 's': return pad(w.second, t.count);
    case 'S': return String(ms).padStart(3, '0').slice(0, t.count).padEnd(t.count, '0');
    case 'z': return shortName;
    case 'Z': return t.count === 1 ? offsetText(offsetMs, false) : t.count === 2 ? offsetText(offsetMs, true) : zone;
    default: return undefined;
  }
}

/** parse_time(pattern, epochMs[, zone = 'UTC']): formats the instant; unknown zone or pattern letter → Undefined. */
function parseTime(patternValue: SqlValue, epochValue: SqlValue, zoneValue?: SqlValue): SqlValue {
  const epoch = toNumber(epochValue);
  const zone = zoneValue === undefined ? 'UTC' : zoneValue;
  if (typeof patternValue !== 'string' || epoch === undefined || typeof zone !== 'string') return undefined;
  const whole = Math.floor(epoch);
  const z = inZone(whole, zone);
  if (!z) return undefined;
  const ms = ((whole % 1000) + 1000) % 1000;
  let out = '';
  for (const t of tokenizePattern(patternValue)) {
    if (t.literal !== undefined) { out += t.literal; continue; }
    const f = formatField(t, z.wall, ms, z.offsetMs, zone, z.shortName);
    if (f === undefined) return undefined;
    out += f;
    if (out.length > MAX_VALUE_SIZE) throw limitExceeded('parse_time'); // a long pattern expands (MMMM → September)
  }
  return out;
}

interface Parsed { year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number; pm?: boolean; zone?: string }

const ZONE_TEXT = '(?:[A-Za-z_]+(?:/[A-Za-z_+-]+)*(?:[+-]\\d{1,2}(?::?\\d{2})?)?|[+-]\\d{2}:?\\d{2}|Z)';

/** The regex fragment and setter for one pattern field when parsing. */
function parseField(t: PatternToken): { re: string; set: (p: Parsed, s: string) => boolean } | undefined {
  const num = (key: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second') => ({
    re: t.count >= 2 && key !== 'year' ? `(\\d{${t.count}})` : key === 'year' && t.count !== 2 ? '([+-]?\\d{1,9})' : `(\\d{1,${Math.max(2, t.count)}})`,
    set: (p: Parsed, s: string) => { p[key] = key === 'year' && t.count === 2 ? 2000 + Number(s) : Number(s); return true; },
  });
  switch (t.letter) {
    case 'y': case 'u': case 'Y': return num('year');
    case 'M': case 'L':
      if (t.count >= 3) {
        return { re: '([A-Za-z]+)', set: (p, s) => {
          const i = MONTHS.findIndex((m) => (t.count >= 4 ? m : m.slice(0, 3)).toLowerCase() === s.toLowerCase());
          p.month = i + 1;
          return i >= 0;
        } };
      }
      return num('month');
    case 'd': return num('day');
    case 'H': case 'k': case 'h': case 'K': return num('hour');
    case 'm': return num('minute');
    case 's': return num('second');
    case 'S': return { re: `(\\d{${t.count}})`, set: (p, s) => { p.ms = Math.floor(Number(`0.${s}`) * 1000); return true; } };
    case 'a': return { re: '(AM|PM|am|pm)', set: (p, s) => { p.pm = s.toUpperCase() === 'PM'; return true; } };
    case 'E': return { re: '([A-Za-z]+)', set: () => true };
    case 'z': case 'V': case 'O': case 'X': case 'x': case 'Z': return { re: `(${ZONE_TEXT})`, set: (p, s) => { p.zone = s; return true; } };
    default: return undefined;
  }
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern's regex runs on RE2 (linear time): adjacent variable-width fields (`dMdMdM…` against a long run of
 * digits) backtrack exponentially in JavaScript's engine.
 */
const patternRegexes = new Map<string, RE2JS>();
function patternRegex(source: string): RE2JS {
  let re = patternRegexes.get(source);
  if (!re) {
    if (patternRegexes.size >= 256) patternRegexes.clear();
    re = RE2JS.compile(source);
    patternRegexes.set(source, re);
  }
  return re;
}

/** time_to_epoch(text, pattern): epoch ms; UTC unless the text names a zone or offset; mismatch → Undefined. */
function timeToEpoch(textValue: SqlValue, patternValue: SqlValue): SqlValue {
  if (typeof textValue !== 'string' || typeof patternValue !== 'string') return undefined;
  let re = '^';
  const setters: Array<(p: Parsed, s: string) => boolean> = [];
  for (const t of tokenizePattern(patternValue)) {
    if (t.literal !== undefined) { re += escapeRegex(t.literal); continue; }
    const f = parseField(t);
    if (!f) return undefined;
    re += f.re;
    setters.push(f.set);
  }
  const m = patternRegex(re + '$').exec(textValue);
  if (!m) return undefined;
  const p: Parsed = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
  for (let i = 0; i < setters.length; i++) if (!setters[i](p, m[i + 1])) return undefined;
  if (p.pm !== undefined) p.hour = (p.hour % 12) + (p.pm ? 12 : 0);
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.ms);
  if (p.zone === undefined) return local;
  const fixed = fixedOffset(p.zone);
  if (fixed !== undefined) return local - fixed;
  const abbreviation = ZONE_ABBREVIATIONS[p.zone.toUpperCase()];
  if (abbreviation !== undefined) return local - abbreviation * 3_600_000;
  return fromZone(local, p.zone);
}

export const timeFunctions: SqlFunction[] = [
  pure('parse_time', 2, 3, parseTime, V2),
  pure('time_to_epoch', 2, 2, timeToEpoch, V2),
];
