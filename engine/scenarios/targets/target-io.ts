/** What opening a target reads and probes: PEM files, secrets from a file or a variable, a TCP or TLS endpoint. */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { EngineError } from '../../core/index.js';
import type { TargetTls } from './target.js';

/** A PEM file's text; one sentence when it cannot be read or is not PEM. */
export function readPem(file: string, what: string, target: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EngineError('InvalidInput', `target '${target}': cannot read its ${what} ${file} (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`);
  }
  if (!text.includes('-----BEGIN ')) throw new EngineError('InvalidInput', `target '${target}': its ${what} ${file} is not a PEM file`);
  return text;
}

/** A secret from a file (trailing newline trimmed) or an environment variable. */
export function readSecret(source: { file?: string; env?: string }, what: string, target: string): string | undefined {
  if (source.env !== undefined) {
    const v = process.env[source.env];
    if (!v) throw new EngineError('InvalidInput', `target '${target}': its ${what} comes from the environment variable ${source.env}, which is not set`);
    return v;
  }
  if (source.file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(source.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new EngineError('InvalidInput', `target '${target}': cannot read its ${what} from ${source.file} (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`);
    }
    const v = text.replace(/\r?\n$/, '');
    if (!v) throw new EngineError('InvalidInput', `target '${target}': ${source.file} (its ${what}) is empty`);
    return v;
  }
  return undefined;
}

const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443, 'http:': 80, 'https:': 443 };

export function hostPort(raw: string): { host: string; port: number } {
  const url = new URL(raw);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || DEFAULT_PORTS[url.protocol]) };
}

/**
 * Connects once to `url`'s host and port (and, for mqtts:// and wss://, completes the TLS handshake with the
 * client certificate), so a wrong address, a closed port or an untrusted server is one sentence before any run.
 */
export async function probeEndpoint(target: string, what: string, url: string, tlsOpts?: TargetTls, timeoutMs = 5000): Promise<void> {
  const { host, port } = hostPort(url);
  const secure = /^(mqtts|wss|https):/.test(url);
  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(new EngineError('Unavailable', probeFailure(target, what, url, e)));
    };
    const socket: net.Socket = secure
      ? tls.connect({ host, port, servername: tlsOpts?.servername ?? (net.isIP(host) ? undefined : host), ca: tlsOpts?.ca, cert: tlsOpts?.cert, key: tlsOpts?.key })
      : net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', fail);
  });
}

function probeFailure(target: string, what: string, url: string, e: NodeJS.ErrnoException): string {
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED') return `target '${target}': nothing listens at ${url} (${what}: connection refused); is it running, and is the address right?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `target '${target}': the host of ${url} (${what}) cannot be resolved (${code})`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `target '${target}': ${url} (${what}) cannot be reached (${code}); is the address right and the network open?`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `target '${target}': the server certificate at ${url} does not name that host (${e.message})`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) || /certificate/i.test(e.message)) {
    return `target '${target}': the server at ${url} (${what}) presented a certificate that its CA file does not vouch for (${code || e.message}); give the server's CA with --ca`;
  }
  return `target '${target}': ${url} (${what}) failed: ${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`;
}
