/**
 * `thingbench control …`: command & control on the Thingbench running on the data directory, through its control
 * socket (the contract's `control.send` and `control.pending`).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { withRunningEngine } from './running-engine-command.js';

export const controlUsage = `
Command & control:
  thingbench control send THING NAME [--payload TEXT | --payload-file FILE] [--content-type TYPE] [--timeout SECONDS]
                                     [--one-way] [--data-dir DIR] [--json]
      Sends the command NAME to THING (over MQTT, or in the answer to its next HTTPS/CoAP request with hono-ttd) and
      prints its answer: the status, how it went, then the payload (--json: the whole answer). Default timeout 10 s.
      --one-way: expects no answer; returns once THING has the command (the timeout bounds the wait for that).
  thingbench control pending [--data-dir DIR] [--json]
      Lists the commands waiting for an answer.
`;

class UsageError extends Error {}

interface Options { payload?: string; 'payload-file'?: string; 'content-type'?: string; timeout?: string; 'one-way'?: boolean; 'data-dir'?: string; json?: boolean }

function parse(argv: string[]): { values: Options; positionals: string[]; timeoutMs?: number } {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      payload: { type: 'string' }, 'payload-file': { type: 'string' }, 'content-type': { type: 'string' }, timeout: { type: 'string' },
      'one-way': { type: 'boolean' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' },
    },
  });
  const [sub, thing, name, extra] = positionals;
  if (sub !== 'send' && sub !== 'pending') throw new UsageError(sub === undefined ? 'control needs a command: send or pending' : `unknown control command '${sub}' (send, pending)`);
  if (sub === 'send' && (thing === undefined || name === undefined)) throw new UsageError('control send needs a thing and a command name');
  const unexpected = sub === 'pending' ? thing : extra;
  if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}'`);
  if (values.payload !== undefined && values['payload-file'] !== undefined) throw new UsageError('--payload and --payload-file do not go together');
  if (values.timeout === undefined) return { values, positionals };
  const s = Number(values.timeout);
  if (!/^\d+(\.\d+)?$/.test(values.timeout) || s <= 0) throw new UsageError(`--timeout must be a number of seconds, not '${values.timeout}'`);
  return { values, positionals, timeoutMs: Math.ceil(s * 1000) };
}

/** Exit 0 answered, 1 no engine, no answer in time or a failure, 2 bad input (options, an unknown thing). */
export async function controlCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  let payload: Buffer | undefined;
  try {
    parsed = parse(argv);
    const file = parsed.values['payload-file'];
    payload = file !== undefined ? fs.readFileSync(file) : parsed.values.payload !== undefined ? Buffer.from(parsed.values.payload) : undefined;
  } catch (e) {
    process.stderr.write(`thingbench control: ${(e as Error).message}\n${e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? controlUsage : ''}`);
    return 2;
  }
  const { values, positionals, timeoutMs } = parsed;
  return withRunningEngine('control', values['data-dir'], async (client) => {
    const [sub, thing, name] = positionals;
    if (sub === 'pending') {
      for (const p of await client.control.pending()) {
        if (values.json) process.stdout.write(JSON.stringify(p) + '\n');
        else process.stdout.write(`${p.requestId}  ${p.thing}  ${p.name}${p.oneWay ? ' (one-way)' : ''}  ${p.via ?? 'waiting for the device to ask'}  times out ${new Date(p.deadline).toISOString()}\n`);
      }
      return;
    }
    const input = {
      thing, name, ...(payload ? { payload: payload.toString('base64'), encoding: 'base64' as const } : {}),
      ...(values['content-type'] ? { contentType: values['content-type'] } : {}), ...(timeoutMs ? { timeoutMs } : {}),
    };
    if (values['one-way']) {
      const h = await client.control.send({ ...input, oneWay: true });
      if (values.json) process.stdout.write(JSON.stringify(h) + '\n');
      else process.stderr.write(`one-way command ${name} handed to ${thing} over ${h.via} in ${Math.round(h.latencyMs)} ms (request ${h.requestId})\n`);
      return;
    }
    const a = await client.control.send(input);
    if (values.json) {
      process.stdout.write(JSON.stringify(a) + '\n');
    } else {
      process.stderr.write(`status ${a.status} from ${thing} over ${a.via} in ${Math.round(a.latencyMs)} ms (request ${a.requestId})\n`);
      process.stdout.write(Buffer.from(a.payload, 'base64'));
    }
  });
}
