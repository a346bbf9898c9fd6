// eslint-plugin-import resolver for this repository's ESM TypeScript: `./x.js` in an import names `./x.ts` (or
// `./x.svelte.ts`) on disk. Without it the node resolver finds no file for such an import, and the layering rules in
// eslint.config.js never see the path they are written to refuse.
/* eslint-disable @typescript-eslint/no-require-imports -- eslint-plugin-import loads a resolver with require(), so it is CommonJS */
const fs = require('node:fs');
const path = require('node:path');
const nodeResolver = require('eslint-import-resolver-node');

exports.interfaceVersion = 2;
exports.resolve = (source, file, config) => {
  if (source.startsWith('.') && source.endsWith('.js')) {
    const base = path.resolve(path.dirname(file), source.slice(0, -3));
    for (const candidate of [`${base}.ts`, `${base}.svelte.ts`, `${base}.js`]) {
      if (fs.existsSync(candidate)) return { found: true, path: candidate };
    }
  }
  return nodeResolver.resolve(source, file, config);
};
