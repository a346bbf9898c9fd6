/**
 * Code signatures as AWS IoT's OTA job documents carry them (`sig-sha256-ecdsa`): an ECDSA signature over the SHA-256
 * of the file, DER-encoded (the form `openssl dgst -sha256 -sign` writes and `openssl dgst -verify` reads), base64 in
 * the document.
 */
import { X509Certificate, createPrivateKey, sign, verify } from 'node:crypto';

/** The DER ECDSA (SHA-256) signature of `file` with a PKCS#8 PEM private key. */
export function signFile(file: Buffer, privateKeyPem: string): Buffer {
  return sign('sha256', file, createPrivateKey(privateKeyPem));
}

/**
 * True when `signature` (DER bytes, or their base64 as in `sig-sha256-ecdsa`) is the SHA-256 ECDSA signature of
 * `file` by the key of `certificatePem`. What a device does before it applies a firmware image.
 */
export function verifyFileSignature(file: Uint8Array, signature: Uint8Array | string, certificatePem: string): boolean {
  try {
    const der = typeof signature === 'string' ? Buffer.from(signature, 'base64') : Buffer.from(signature);
    return verify('sha256', file, new X509Certificate(certificatePem).publicKey, der);
  } catch {
    return false; // a malformed signature or certificate verifies nothing
  }
}
