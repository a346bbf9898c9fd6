import { base64ToBytes } from './format.js';

/** Offers `blob` as a file download named `name` (a save dialog in the desktop app). */
function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Offers `text` as a file download named `name`. */
export function downloadText(name: string, text: string, type = 'application/x-ndjson'): void {
  downloadBlob(name, new Blob([text], { type }));
}

/** Offers base64 bytes as a file download named `name` (an object's bytes, unchanged). */
export function downloadBase64(name: string, base64: string, type = 'application/octet-stream'): void {
  downloadBlob(name, new Blob([base64ToBytes(base64) as Uint8Array<ArrayBuffer>], { type }));
}
