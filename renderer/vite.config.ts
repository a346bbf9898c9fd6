import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes `monaco-preload.json`: the files of Monaco's lazy loader, its stages (dynamic imports) and what they import,
 * which the app preloads (fetched and compiled, not run) while idle after it has opened, so the first editor does not
 * wait for them.
 */
function monacoPreloadList(): Plugin {
  return {
    name: 'thingbench-monaco-preload',
    generateBundle(_options, bundle) {
      const chunks = new Map(Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c] as const] : [])));
      const setup = [...chunks.values()].find((c) => c.facadeModuleId?.endsWith('/ui/monaco-setup.ts'));
      if (!setup) return;
      const files = new Set<string>();
      const add = (name: string): void => {
        const chunk = chunks.get(name);
        if (!chunk || files.has(name)) return;
        files.add(name);
        chunk.viteMetadata?.importedCss.forEach((css) => files.add(css));
        chunk.imports.forEach(add);
        chunk.dynamicImports.forEach(add);
      };
      add(setup.fileName);
      this.emitFile({ type: 'asset', fileName: 'monaco-preload.json', source: JSON.stringify([...files]) });
    },
  };
}

// `vite build --config renderer/vite.config.ts` from anywhere: the root is this folder (Vite's config loader
// provides import.meta.dirname; this file runs in Node, outside the renderer's browser-only tsconfig).
// Relative asset URLs (`base: './'`) let the same build load from the browser-mode server and Electron's `app:` protocol.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte({ configFile: `${import.meta.dirname}/svelte.config.js` }), monacoPreloadList()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The strict CSP forbids inline scripts; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Monaco's lazy stages are chunks of up to ~750 KB, loaded only by the views that edit text: a chunk over 1 MB is a
    // stage grown too large to evaluate in one short task (see ui/monaco-setup.ts).
    chunkSizeWarningLimit: 1000,
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
