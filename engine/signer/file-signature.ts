/**
 * Code signatures as AWS IoT's OTA job documents carry them (`sig-sha256-ecdsa`): an ECDSA signature over the SHA-256
 * of the file, DER-encoded (the form `openssl dgst -sha256 -sign` writes and `openssl dgst -verify` reads), base64 in
 * the document. Devices check them with `verifyFileSignature` (engine/core).
 */
import { createPrivateKey, sign } from 'node:crypto';

/** The DER ECDSA (SHA-256) signature of `file` with a PKCS#8 PEM private key. */
export function signFile(file: Buffer, privateKeyPem: string): Buffer {
  return sign('sha256', file, createPrivateKey(privateKeyPem));
}
