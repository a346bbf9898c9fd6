import fs from 'node:fs';
import path from 'node:path';

/** Content types for what a Vite build emits; anything else is served as bytes (and `nosniff` keeps it inert). */
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a request path (`/assets/x.js`, still percent-encoded, no query) to a file under `root`, or null.
 * Each segment is decoded on its own and refused when it is `.`/`..`, hidden, or hides a separator
 * (`%2f`, `%5c`), a NUL or a drive colon, so no spelling of a traversal survives; `/` means `index.html`.
 */
export function resolveStaticPath(root: string, requestPath: string): string | null {
  if (!requestPath.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of requestPath.split('/').slice(1)) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment.startsWith('.') || /[\\/\0:]/.test(segment)) return null;
    segments.push(segment);
  }
  if (requestPath.endsWith('/')) segments.push('index.html');
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  return file.startsWith(base + path.sep) ? file : null;
}

/** The real path of a regular file inside `root` (symlinks resolved and re-checked), or null. */
export async function openableFile(root: string, file: string): Promise<{ path: string; size: number } | null> {
  try {
    const [realRoot, realFile] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(file)]);
    if (!realFile.startsWith(realRoot + path.sep)) return null;
    const stat = await fs.promises.stat(realFile);
    return stat.isFile() ? { path: realFile, size: stat.size } : null;
  } catch {
    return null;
  }
}
