// A SigV4-presigned URL for MQTT over WebSocket, as AWS IoT Core wants it from browsers: GET /mqtt signed for the
// service `iotdevicegateway`, the signature in the query string, a session token appended after signing.
// Web Crypto only, so the same file runs in the browser page and in Node (20 or later).

const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (text) => hex(await crypto.subtle.digest('SHA-256', enc.encode(text)));
async function hmac(key, text) {
  const k = await crypto.subtle.importKey('raw', typeof key === 'string' ? enc.encode(key) : key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, enc.encode(text));
}

/**
 * @param {{ host: string, port?: number, region: string, accessKeyId: string, secretAccessKey: string,
 *   sessionToken?: string, now?: Date }} o
 * @returns {Promise<string>} wss://host/mqtt?X-Amz-… (ws:// on a local port other than 443)
 */
export async function presignMqttUrl(o) {
  const service = 'iotdevicegateway';
  const port = o.port ?? 443;
  const host = port === 443 ? o.host : `${o.host}:${port}`;
  const amzDate = (o.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); // 20261205T083000Z
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${o.region}/${service}/aws4_request`;
  // The query string, its parameters in name order, each value URI-encoded.
  const query = [
    'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    `X-Amz-Credential=${encodeURIComponent(`${o.accessKeyId}/${scope}`)}`,
    `X-Amz-Date=${amzDate}`,
    'X-Amz-Expires=86400',
    'X-Amz-SignedHeaders=host',
  ].join('&');
  const canonicalRequest = ['GET', '/mqtt', query, `host:${host}\n`, 'host', await sha256('')].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256(canonicalRequest)].join('\n');
  let key = await hmac(`AWS4${o.secretAccessKey}`, date);
  for (const part of [o.region, service, 'aws4_request']) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  const token = o.sessionToken ? `&X-Amz-Security-Token=${encodeURIComponent(o.sessionToken)}` : '';
  return `${port === 443 ? 'wss' : 'ws'}://${host}/mqtt?${query}&X-Amz-Signature=${signature}${token}`;
}
