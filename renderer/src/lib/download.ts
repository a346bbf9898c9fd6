import { base64ToBytes } from './format.js';

/** Offers `text` as a file download named `name` (a save dialog in the desktop app). */
export function downloadText(name: string, text: string, type = 'application/x-ndjson'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Offers base64 bytes as a file download named `name` (an object's bytes, unchanged). */
export function downloadBase64(name: string, base64: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([base64ToBytes(base64) as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
