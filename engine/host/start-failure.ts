import path from 'node:path';
import { EngineError } from '../core/index.js';

/** The command-line flag that changes each listener's port. */
const portFlags: Record<string, string> = {
  mqtt: '--mqtt-port', ws: '--ws-port', http: '--http-port', mqtts: '--mqtts-port', wss: '--wss-port', ui: '--port', coap: '--coap-port',
};

/**
 * One sentence for a start that failed: what went wrong and what to do about it, with the CLI's flags.
 * The engine says the cause (`EngineError.details.reason`, see `port-probe.ts` and `storage/store-errors.ts`);
 * the fix depends on the host, so it is added here.
 */
export function startFailureText(e: unknown): string {
  if (!(e instanceof EngineError)) return `Thingbench could not start: ${(e as Error)?.message ?? String(e)}`;
  const d = (e.details ?? {}) as { reason?: string; listener?: string; other?: string; dir?: string; file?: string };
  const flag = portFlags[d.listener ?? ''] ?? '--help';
  switch (d.reason) {
    case 'PortInUse': {
      const likely = d.listener === 'mqtt' || d.listener === 'mqtts' ? 'another Thingbench or the mosquitto service' : 'another Thingbench or another server';
      return `${e.message}, probably by ${likely}: stop it, or choose another port with ${flag}.`;
    }
    case 'PortDenied':
      return `${e.message}: choose a port above 1023 with ${flag}.`;
    case 'HostUnavailable':
      return `${e.message}: choose one of its addresses with --host (127.0.0.1 for this machine only, 0.0.0.0 for every network).`;
    case 'PortTwice':
      return `${e.message}: give each its own port (${portFlags[d.other ?? ''] ?? '--help'}, ${flag}).`;
    case 'DataDirUnwritable':
      return `${e.message}: choose another directory with --data-dir, or make this one writable.`;
    case 'DataDirLocked':
      return `${e.message}: stop that one, or choose another directory with --data-dir.`;
    case 'DataFileDamaged': {
      const dir = path.dirname(d.file ?? '.');
      return `${e.message}: restore it from a backup, or move the directory ${dir} aside to start again with an empty store (or choose another --data-dir).`;
    }
    default:
      return `Thingbench could not start: ${e.message}`;
  }
}
