/**
 * Fetches into the cache the files named by a list the build writes (`views-preload.json`, `monaco-preload.json`):
 * scripts are compiled off the main thread, styles land in the HTTP cache (the server marks hashed assets immutable),
 * nothing runs. Styles are prefetched, not preloaded: Chromium warns in the console for every preload the page does
 * not use within seconds of loading, one line per view. Without the list (the Vite dev server) it does nothing.
 */
export function preloadListed(list: string): void {
  fetch(`./${list}`).then((r) => (r.ok ? r.json() as Promise<string[]> : []), () => []).then((files) => {
    for (const file of files) {
      const link = document.createElement('link');
      if (file.endsWith('.css')) Object.assign(link, { rel: 'prefetch', as: 'style' });
      else link.rel = 'modulepreload';
      link.href = `./${file}`;
      document.head.append(link);
    }
  }, () => undefined);
}
