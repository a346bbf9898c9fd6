/**
 * A lab's resource names: each `names:` entry (`THING: { kind: thing, base: ratchet }`) becomes a name that is legal
 * for its kind on AWS, and unique per lab and per attendee (`l01-alice-ratchet`), so two labs, or two attendees
 * sharing an account, never collide and `lab reset` finds everything a lab made by its prefix.
 *
 * AWS's name rules, per kind: things, thing types and groups `[a-zA-Z0-9:_-]{1,128}`; policies `[\w+=,.@-]{1,128}`;
 * topic rules `[a-zA-Z0-9_]{1,128}` (no hyphen: underscores); S3 buckets 3–63 lowercase letters, digits, `-` and `.`;
 * SQS queues `[a-zA-Z0-9_-]{1,80}`; SNS topics `[a-zA-Z0-9_-]{1,256}`; DynamoDB tables `[a-zA-Z0-9_.-]{3,255}`;
 * Kinesis streams `[a-zA-Z0-9_.-]{1,128}`; Firehose delivery streams `[a-zA-Z0-9_.-]{1,64}`; Lambda functions
 * `[a-zA-Z0-9_-]{1,64}`; provisioning templates `[0-9A-Za-z_-]{1,36}`; jobs and job templates `[a-zA-Z0-9_-]{1,64}`; AWS IoT file streams `[a-zA-Z0-9_-]{1,128}`; signing profiles `[a-zA-Z0-9_]{2,64}`; log groups `[.\-_/#A-Za-z0-9]{1,512}`; IAM roles `[\w+=,.@-]{1,64}`; a CA's subject CN (kind
 * `ca`: AWS gives CA certificates no name) at most 64 characters.
 */
import { EngineError } from '../../core/index.js';

export const NAME_KINDS = ['thing', 'thingType', 'thingGroup', 'policy', 'rule', 'queue', 'topic', 'table', 'stream', 'delivery', 'bucket', 'function', 'logGroup', 'role', 'alarm', 'client', 'ca', 'template', 'job', 'jobTemplate', 'fileStream', 'signingProfile'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

interface KindRule {
  /** Characters outside the class become the separator. */
  bad: RegExp;
  sep: '-' | '_';
  max: number;
  lower?: boolean;
}

const RULES: Record<NameKind, KindRule> = {
  thing: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  thingType: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  thingGroup: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  policy: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  rule: { bad: /[^a-zA-Z0-9_]/g, sep: '_', max: 128 },
  queue: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 80 },
  topic: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 256 },
  table: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 255 },
  stream: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  delivery: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 64 },
  bucket: { bad: /[^a-z0-9-]/g, sep: '-', max: 63, lower: true },
  function: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 64 },
  logGroup: { bad: /[^a-zA-Z0-9_/-]/g, sep: '-', max: 512 },
  role: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 64 },
  alarm: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 255 },
  client: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  // A CA of the lab's own: its subject CN (X.509's upper bound for a CN is 64 characters).
  ca: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 64 },
  // Provisioning templates (fleet provisioning, JITP): [0-9A-Za-z_-]{1,36}.
  template: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 36 },
  // AWS IoT jobs: [a-zA-Z0-9_-]{1,64}.
  job: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 64 },
  // Job templates: [a-zA-Z0-9_-]{1,64}.
  jobTemplate: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 64 },
  // AWS IoT MQTT file streams (CreateStream): [a-zA-Z0-9_-]{1,128}.
  fileStream: { bad: /[^a-zA-Z0-9_-]/g, sep: '-', max: 128 },
  // AWS Signer signing profiles: [a-zA-Z0-9_]{2,64} (no hyphen: underscores, as rules).
  signingProfile: { bad: /[^a-zA-Z0-9_]/g, sep: '_', max: 64 },
};

/** The attendee as it appears in names: lowercase letters and digits with single hyphens, at most 20 characters. */
export function attendeeSlug(attendee: string): string {
  const slug = attendee.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20).replace(/-+$/, '');
  if (!slug) throw new EngineError('InvalidInput', `the attendee name '${attendee}' has no letter or digit: names are made of it`);
  return slug;
}

/** `l01`: the lab's part of every name. */
export const labPrefix = (id: number): string => `l${String(id).padStart(2, '0')}`;

/**
 * The legal name of one resource of a lab: `l01-alice-ratchet` (rules: `l01_alice_hot_alert`). A `base` that
 * would make the name too long is refused, so the name a guide shows is the name AWS gets.
 */
export function resourceName(kind: NameKind, base: string, lab: number, attendee: string): string {
  const rule = RULES[kind];
  const raw = `${labPrefix(lab)}-${attendeeSlug(attendee)}-${base}`;
  let name = (rule.lower ? raw.toLowerCase() : raw).replace(rule.bad, rule.sep);
  if (rule.lower) name = name.replace(/-+/g, '-').replace(/-$/, '');
  if (name.length > rule.max) {
    throw new EngineError('InvalidInput', `the ${kind} name '${name}' is longer than AWS allows (${rule.max} characters): shorten its base '${base}' or the attendee name`);
  }
  return name;
}

/** The prefix every name of this lab and attendee starts with, per separator: what `lab reset` looks for. */
export function namePrefix(kind: NameKind, lab: number, attendee: string): string {
  return `${labPrefix(lab)}${RULES[kind].sep}${attendeeSlug(attendee)}${RULES[kind].sep}`;
}
