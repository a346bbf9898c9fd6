import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// `vite build --config renderer/vite.config.ts` from anywhere: the root is this folder (Vite's config loader
// provides import.meta.dirname; this file runs in Node, outside the renderer's browser-only tsconfig).
// Relative asset URLs (`base: './'`) let the same build load from the browser-mode server and Electron's `app:` protocol.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte({ configFile: `${import.meta.dirname}/svelte.config.js` })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The strict CSP forbids inline scripts; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Monaco is one lazy chunk of a few MB, loaded only by the views that edit text.
    chunkSizeWarningLimit: 6000,
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
