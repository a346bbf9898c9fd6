/**
 * `thingbench delivery …`: telemetry and event mappings and the events kept for absent consumers, on the Thingbench
 * running on the data directory (the contract's `delivery.*` through its control socket).
 */
import { parseArgs } from 'node:util';
import type { DeliveryMapping, DeliveryMappingInput } from '../contract/index.js';
import { withRunningEngine } from './running-engine-command.js';

export const deliveryUsage = `
Telemetry and events:
  thingbench delivery put (--filter FILTER | --device CLIENT_ID) --class telemetry|event [--ttl SECONDS] [--id ID]
      Maps a topic filter, or everything one device publishes, to a delivery class. telemetry: QoS 0, never
      queued; event: kept for each consumer that is away until it returns or --ttl passes (default 3600 s).
  thingbench delivery list [--json]
  thingbench delivery delete ID
  thingbench delivery stored [--consumer CLIENT_ID] [--json]
      The events waiting for consumers that are away, oldest first.
  Every delivery command takes --data-dir DIR and drives the Thingbench running on it.
`;

class UsageError extends Error {}

const options = {
  filter: { type: 'string' }, device: { type: 'string' }, class: { type: 'string' }, ttl: { type: 'string' }, id: { type: 'string' },
  consumer: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' },
} as const;

type Values = { [K in keyof typeof options]?: (typeof options)[K]['type'] extends 'boolean' ? boolean : string };

const describe = (m: DeliveryMapping) => `${m.id}  ${m.filter !== undefined ? `filter ${m.filter}` : `device ${m.device}`}  ${m.class}${m.ttlSeconds !== undefined ? `  ttl ${m.ttlSeconds} s` : ''}\n`;

function mappingInput(values: Values): DeliveryMappingInput {
  if (values.class !== 'telemetry' && values.class !== 'event') throw new UsageError('delivery put needs --class telemetry or --class event');
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && !Number.isSafeInteger(ttl)) throw new UsageError(`--ttl takes whole seconds, not '${values.ttl}'`);
  return {
    class: values.class, ...(values.filter !== undefined ? { filter: values.filter } : {}), ...(values.device !== undefined ? { device: values.device } : {}),
    ...(ttl !== undefined ? { ttlSeconds: ttl } : {}), ...(values.id !== undefined ? { id: values.id } : {}),
  };
}

/** Exit 0 done, 1 no engine or a failure, 2 bad input. */
export async function deliveryCommand(argv: string[]): Promise<number> {
  let values: Values;
  let sub: string | undefined;
  let arg: string | undefined;
  let input: DeliveryMappingInput | undefined;
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
    values = parsed.values as Values;
    [sub, arg] = parsed.positionals;
    if (!['put', 'list', 'delete', 'stored'].includes(sub ?? '')) throw new UsageError(sub === undefined ? 'delivery needs a command: put, list, delete or stored' : `unknown delivery command '${sub}' (put, list, delete, stored)`);
    if (sub === 'delete' && arg === undefined) throw new UsageError('delivery delete needs a mapping id');
    if (sub !== 'delete' && arg !== undefined) throw new UsageError(`unexpected argument '${arg}'`);
    if (sub === 'put') input = mappingInput(values);
  } catch (e) {
    process.stderr.write(`thingbench delivery: ${(e as Error).message}\n${deliveryUsage}`);
    return 2;
  }
  const out = (line: string, json: object) => process.stdout.write(values.json ? JSON.stringify(json) + '\n' : line);
  return withRunningEngine('delivery', values['data-dir'], async (client) => {
    if (sub === 'put') {
      const m = await client.delivery.put(input!);
      out(describe(m), m);
    } else if (sub === 'list') {
      for (const m of await client.delivery.list()) out(describe(m), m);
    } else if (sub === 'delete') {
      await client.delivery.delete(arg!);
      out(`deleted mapping ${arg}\n`, { id: arg, deleted: true });
    } else {
      const stored = await client.delivery.stored(values.consumer !== undefined ? { consumer: values.consumer } : {});
      for (const e of stored) out(`${e.consumer}  ${e.topic}  ${e.size} B  published ${new Date(e.publishedAt).toISOString()}  expires ${new Date(e.expiresAt).toISOString()}\n`, e);
    }
  });
}
