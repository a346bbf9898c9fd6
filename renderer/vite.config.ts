import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes the lists of files the app preloads (fetched and compiled, not run) while idle after it has opened:
 * `views-preload.json`, every view's chunk with the scripts and styles it imports, so the first click on a view only
 * has to run and mount it; `monaco-preload.json`, Monaco's lazy loader, its stages (dynamic imports) and what they
 * import, so the first editor does not wait for them.
 */
function preloadLists(): Plugin {
  return {
    name: 'thingbench-preload-lists',
    generateBundle(_options, bundle) {
      const chunks = [...Object.values(bundle)].flatMap((c) => (c.type === 'chunk' ? [c] : []));
      const byName = new Map(chunks.map((c) => [c.fileName, c] as const));
      const filesOf = (roots: typeof chunks, dynamic: boolean): string[] => {
        const files = new Set<string>();
        const add = (name: string): void => {
          const chunk = byName.get(name);
          if (!chunk || files.has(name)) return;
          files.add(name);
          chunk.viteMetadata?.importedCss.forEach((css) => files.add(css));
          chunk.imports.forEach(add);
          if (dynamic) chunk.dynamicImports.forEach(add);
        };
        roots.forEach((c) => add(c.fileName));
        return [...files];
      };
      const list = (fileName: string, files: string[]) => this.emitFile({ type: 'asset', fileName, source: JSON.stringify(files) });
      // A view's editor loads Monaco by a dynamic import: the views' list stops there, Monaco's has its own. What the
      // entry imports is loaded already.
      const loaded = new Set(filesOf(chunks.filter((c) => c.isEntry), false));
      const views = filesOf(chunks.filter((c) => /\/features\/[^/]+\/[^/]+View\.svelte$/.test(c.facadeModuleId ?? '')), false);
      list('views-preload.json', views.filter((f) => !loaded.has(f)));
      const setup = chunks.filter((c) => c.facadeModuleId?.endsWith('/ui/monaco-setup.ts'));
      if (setup.length) list('monaco-preload.json', filesOf(setup, true));
    },
  };
}

/**
 * Marks the scripts that run as the app opens (the entry, the first view's chunk, what they import) with V8's explicit
 * compile hint, so Chromium compiles their functions on a background thread while they download instead of on the main
 * thread when each is first called: the opening's tasks then mostly run code. Scripts loaded later (the other views,
 * Monaco) stay lazily compiled. The hint must open the file, so it goes in last, after minification (which drops
 * comments) and Vite's own preamble; the file names' hashes, made before, are those of the code without it.
 */
function compileOpeningEagerly(): Plugin {
  return {
    name: 'thingbench-compile-opening-eagerly',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const chunks = new Map(Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c] as const] : [])));
        const marked = new Set<string>();
        const mark = (name: string): void => {
          const chunk = chunks.get(name);
          if (!chunk || marked.has(name)) return;
          marked.add(name);
          chunk.code = `//# allFunctionsCalledOnLoad\n${chunk.code}`;
          chunk.imports.forEach(mark);
        };
        for (const chunk of chunks.values()) {
          if (chunk.isEntry || chunk.facadeModuleId?.endsWith('/features/explorer/ExplorerView.svelte')) mark(chunk.fileName);
        }
      },
    },
  };
}

// `vite build --config renderer/vite.config.ts` from anywhere: the root is this folder (Vite's config loader
// provides import.meta.dirname; this file runs in Node, outside the renderer's browser-only tsconfig).
// Relative asset URLs (`base: './'`) let the same build load from the browser-mode server and Electron's `app:` protocol.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte({ configFile: `${import.meta.dirname}/svelte.config.js` }), preloadLists(), compileOpeningEagerly()],
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
