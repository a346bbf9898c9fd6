/**
 * The little X.509 the engine needs beyond `node:crypto`: building and signing certificates, and reading CSRs.
 *
 * `node:crypto` verifies certificates (`X509Certificate`) and makes keys, but cannot encode a certificate or parse a
 * PKCS#10 request; node-forge's generic ASN.1 codec does the encoding here and `node:crypto` does every signature, so
 * RSA and EC subject keys both work (forge's own certificate API only knows RSA).
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import net from 'node:net';
import forge from 'node-forge';
import { EngineError } from '../core/index.js';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;
const U = asn1.Class.UNIVERSAL;
const T = asn1.Type;

const seq = (items: Asn1[]) => asn1.create(U, T.SEQUENCE, true, items);
const set = (items: Asn1[]) => asn1.create(U, T.SET, true, items);
const oid = (id: string) => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: Buffer) => asn1.create(U, T.OCTETSTRING, false, bytes.toString('binary'));
const bool = (b: boolean) => asn1.create(U, T.BOOLEAN, false, b ? '\xff' : '\x00');
// decodeBitStrings off: a BIT STRING (keys, signatures) is kept as its bytes, so a decode/encode round trip is exact.
const fromDer = (der: Buffer): Asn1 => asn1.fromDer(forge.util.createBuffer(der.toString('binary')), { decodeBitStrings: false } as never);
const toDer = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');

/** Subject attribute short names → OIDs (the ones AWS IoT exposes as policy variables, plus L). */
export const nameOids: Record<string, string> = {
  CN: '2.5.4.3', C: '2.5.4.6', L: '2.5.4.7', ST: '2.5.4.8', O: '2.5.4.10', OU: '2.5.4.11', serialNumber: '2.5.4.5',
  title: '2.5.4.12', SN: '2.5.4.4', GN: '2.5.4.42', initials: '2.5.4.43', pseudonym: '2.5.4.65',
  generationQualifier: '2.5.4.44', dnQualifier: '2.5.4.46',
};

/** A distinguished name as DER, from `[['CN', 'x'], ['O', 'y']]`. */
export function encodeName(attrs: Array<[string, string]>): Buffer {
  return toDer(seq(attrs.map(([k, v]) => {
    const type = k === 'C' ? T.PRINTABLESTRING : T.UTF8;
    return set([seq([oid(nameOids[k] ?? k), asn1.create(U, type, false, forge.util.encodeUtf8(v))])]);
  })));
}

export interface IssueRequest {
  /** Subject DN as DER (from `encodeName` or copied from a CSR). */
  subject: Buffer;
  /** SubjectPublicKeyInfo as DER. */
  publicKey: Buffer;
  issuer: { name: Buffer; key: KeyObject; publicKey: Buffer };
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  /** Server certificate names: DNS names and IP addresses. */
  altNames?: string[];
}

/** Builds and signs (SHA-256 with the issuer's RSA or EC key) a v3 certificate; returns its DER. */
export function issueCertificate(req: IssueRequest): Buffer {
  const ecIssuer = req.issuer.key.asymmetricKeyType === 'ec';
  const sigAlg = ecIssuer ? seq([oid('1.2.840.10045.4.3.2')]) : seq([oid('1.2.840.113549.1.1.11'), asn1.create(U, T.NULL, false, '')]);
  const time = (d: Date) => (d.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d)));
  const ext = (id: string, critical: boolean, value: Asn1) => seq([oid(id), ...(critical ? [bool(true)] : []), octets(toDer(value))]);
  const extensions: Asn1[] = [
    ext('2.5.29.19', true, seq(req.ca ? [bool(true)] : [])), // basicConstraints
    // keyUsage: CA → keyCertSign|cRLSign; leaf → digitalSignature|keyEncipherment
    ext('2.5.29.15', true, asn1.create(U, T.BITSTRING, false, req.ca ? '\x01\x06' : '\x05\xa0')),
    ext('2.5.29.14', false, octets(keyId(req.publicKey))),
    ext('2.5.29.35', false, seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, keyId(req.issuer.publicKey).toString('binary'))])),
  ];
  if (!req.ca) extensions.push(ext('2.5.29.37', false, seq([oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')]))); // serverAuth, clientAuth
  if (req.altNames?.length) {
    extensions.push(ext('2.5.29.17', false, seq(req.altNames.map((n) => {
      if (net.isIP(n)) return asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, ipBytes(n).toString('binary'));
      return asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, n);
    }))));
  }
  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(U, T.INTEGER, false, '\x02')]),
    asn1.create(U, T.INTEGER, false, positive(req.serial).toString('binary')),
    sigAlg,
    fromDer(req.issuer.name),
    seq([time(req.notBefore), time(req.notAfter)]),
    fromDer(req.subject),
    fromDer(req.publicKey),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 3, true, [seq(extensions)]),
  ]);
  const tbsDer = toDer(tbs);
  const signature = sign('sha256', tbsDer, req.issuer.key);
  return toDer(seq([fromDer(tbsDer), sigAlg, asn1.create(U, T.BITSTRING, false, '\x00' + signature.toString('binary'))]));
}

export interface ParsedCsr {
  subject: Buffer;
  publicKey: Buffer;
}

/** Reads a PKCS#10 request and checks its self-signature; anything wrong is `InvalidInput`. */
export function parseCsr(pem: string): ParsedCsr {
  const bad = (why: string) => new EngineError('InvalidInput', `The certificate signing request is not valid: ${why}`);
  const m = /-----BEGIN (NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (NEW )?CERTIFICATE REQUEST-----/.exec(pem ?? '');
  if (!m) throw bad('expected a PEM "CERTIFICATE REQUEST"');
  const der = Buffer.from(m[2].replace(/\s+/g, ''), 'base64');
  let info: Asn1, sigAlg: string, signature: Buffer, subject: Buffer, publicKey: Buffer;
  try {
    const root = fromDer(der);
    const parts = root.value as Asn1[];
    info = parts[0];
    sigAlg = asn1.derToOid(forge.util.createBuffer(((parts[1].value as Asn1[])[0].value as string)));
    signature = Buffer.from((parts[2].value as string).slice(1), 'binary');
    const fields = info.value as Asn1[];
    // A damaged request can decode into the wrong shapes: re-encoding them throws, and that is still bad input.
    subject = toDer(fields[1]);
    publicKey = toDer(fields[2]);
  } catch {
    throw bad('not DER-encoded PKCS#10');
  }
  const hash = { '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512', '1.2.840.113549.1.1.5': 'sha1',
    '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512' }[sigAlg];
  if (!hash) throw bad(`unsupported signature algorithm ${sigAlg}`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
  } catch {
    throw bad('unreadable public key');
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw bad('RSA keys must have at least 2048 bits');
  // Verified over the request's own bytes, not a re-encoding of them.
  let valid = false;
  try { valid = verify(hash, firstElement(der), key, signature); } catch { valid = false; }
  if (!valid) throw bad('its signature does not match its public key');
  return { subject, publicKey };
}

/** The issuer and subject DN DER of a certificate (for issuing under a CA and for JITR bookkeeping). */
export function certificateNames(der: Buffer): { issuer: Buffer; subject: Buffer } {
  const tbs = (fromDer(der).value as Asn1[])[0].value as Asn1[];
  const offset = (tbs[0].tagClass === asn1.Class.CONTEXT_SPECIFIC) ? 1 : 0;
  return { issuer: toDer(tbs[offset + 2]), subject: toDer(tbs[offset + 4]) };
}

/** The raw bytes of the first element inside the outer SEQUENCE of `der` (definite lengths, as DER has). */
function firstElement(der: Buffer): Buffer {
  const headerLength = (at: number) => (der[at + 1] < 0x80 ? 2 : 2 + (der[at + 1] & 0x7f));
  const contentLength = (at: number) => {
    const b = der[at + 1];
    if (b < 0x80) return b;
    let len = 0;
    for (let i = 0; i < (b & 0x7f); i++) len = len * 256 + der[at + 2 + i];
    return len;
  };
  const start = headerLength(0);
  return der.subarray(start, start + headerLength(start) + contentLength(start));
}

function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

function positive(n: Buffer): Buffer {
  return n[0] & 0x80 ? Buffer.concat([Buffer.from([0]), n]) : n;
}

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::');
  const words = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head), t = tail === undefined ? [] : words(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}
