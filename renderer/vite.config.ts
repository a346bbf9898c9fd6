import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin, type Rolldown } from 'vite';

type Chunk = Rolldown.OutputChunk;

/** The bundle's script chunks. */
const chunksOf = (bundle: Rolldown.OutputBundle): Chunk[] => Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [c] : []));

/** `roots` and the chunks they load with them: what they import, and with `dynamic` what they import later too. */
function loadedWith(chunks: Chunk[], roots: Chunk[], dynamic: boolean): Chunk[] {
  const byName = new Map(chunks.map((c) => [c.fileName, c] as const));
  const found = new Map<string, Chunk>();
  const add = (chunk: Chunk | undefined): void => {
    if (!chunk || found.has(chunk.fileName)) return;
    found.set(chunk.fileName, chunk);
    for (const name of dynamic ? [...chunk.imports, ...chunk.dynamicImports] : chunk.imports) add(byName.get(name));
  };
  roots.forEach(add);
  return [...found.values()];
}

const isView = (c: Chunk) => /\/features\/[^/]+\/[^/]+View\.svelte$/.test(c.facadeModuleId ?? '');
const isFirstView = (c: Chunk) => c.facadeModuleId?.endsWith('/features/explorer/ExplorerView.svelte') ?? false;

/**
 * Writes the lists of files the app preloads (fetched and compiled, not run) while idle after it has opened:
 * `views-preload.json`, every view's chunk with the scripts and styles it imports (less what the entry loaded), so the
 * first click on a view only has to run and mount it; `monaco-preload.json`, Monaco's lazy loader, its stages (dynamic
 * imports) and what they import, so the first editor does not wait for them. A view's editor loads Monaco by a dynamic
 * import, so the views' list stops there.
 */
function preloadLists(): Plugin {
  return {
    name: 'thingbench-preload-lists',
    generateBundle(_options, bundle) {
      const chunks = chunksOf(bundle);
      const files = (found: Chunk[]) => found.flatMap((c) => [c.fileName, ...(c.viteMetadata?.importedCss ?? [])]);
      const list = (fileName: string, names: string[]) => this.emitFile({ type: 'asset', fileName, source: JSON.stringify([...new Set(names)]) });
      const loaded = new Set(files(loadedWith(chunks, chunks.filter((c) => c.isEntry), false)));
      list('views-preload.json', files(loadedWith(chunks, chunks.filter(isView), false)).filter((f) => !loaded.has(f)));
      const setup = chunks.filter((c) => c.facadeModuleId?.endsWith('/ui/monaco-setup.ts'));
      if (setup.length) list('monaco-preload.json', files(loadedWith(chunks, setup, true)));
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
        const chunks = chunksOf(bundle);
        for (const chunk of loadedWith(chunks, chunks.filter((c) => c.isEntry || isFirstView(c)), false)) {
          chunk.code = `//# allFunctionsCalledOnLoad\n${chunk.code}`;
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
