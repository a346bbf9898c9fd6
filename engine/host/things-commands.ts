/**
 * `thingbench things token …`: a thing's CoAP device token, set on the Thingbench running on the data directory
 * through its control socket (the contract's `registry.setDeviceToken`, `deleteDeviceToken`, `deviceTokens`).
 */
import { parseArgs } from 'node:util';
import { withRunningEngine } from './running-engine-command.js';

export const thingsUsage = `
Things:
  thingbench things token THING [--token SECRET] [--data-dir DIR] [--json]
      Sets THING's CoAP device token on the running Thingbench and prints it once (only its hash is kept):
      a new random one, or SECRET (16 to 128 of A-Z a-z 0-9 . _ ~ -). Replaces the thing's previous token.
  thingbench things token THING --delete [--data-dir DIR]
  thingbench things tokens [--data-dir DIR] [--json]
      Lists the things that have a device token, with the token ids (never the secrets).
`;

class UsageError extends Error {}

/** Exit 0 done, 1 no engine or it failed, 2 bad input (options, an unknown thing). */
export async function thingsCommand(argv: string[]): Promise<number> {
  let values: { token?: string; delete?: boolean; 'data-dir'?: string; json?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { token: { type: 'string' }, delete: { type: 'boolean' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
    }));
    const [sub, thing, ...extra] = positionals;
    if (sub !== 'token' && sub !== 'tokens') throw new UsageError(sub === undefined ? 'things needs a command: token or tokens' : `unknown things command '${sub}' (token, tokens)`);
    if (sub === 'token' && thing === undefined) throw new UsageError('things token needs a thing name');
    const unexpected = sub === 'tokens' ? thing : extra[0];
    if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}'`);
    if (values.delete && values.token !== undefined) throw new UsageError('--delete and --token do not go together');
  } catch (e) {
    process.stderr.write(`thingbench things: ${(e as Error).message}\n${thingsUsage}`);
    return 2;
  }
  return withRunningEngine('things', values['data-dir'], async (client) => {
    const [sub, thing] = positionals;
    const out = (line: string, json: object) => process.stdout.write(values.json ? JSON.stringify(json) + '\n' : line);
    if (sub === 'tokens') {
      for (const t of await client.registry.deviceTokens()) out(`${t.thing}  ${t.tokenId}  ${new Date(t.createdAt).toISOString()}\n`, t);
    } else if (values.delete) {
      await client.registry.deleteDeviceToken(thing);
      out(`deleted the device token of ${thing}\n`, { thing, deleted: true });
    } else {
      const created = await client.registry.setDeviceToken({ thing, ...(values.token !== undefined ? { token: values.token } : {}) });
      out(`thing    ${created.thing}\ntoken    ${created.token}   (shown once)\ntokenId  ${created.tokenId}\n`, created);
    }
  });
}
