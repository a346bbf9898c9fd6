// Loaded only through `loadMonaco()`: Monaco in stages. A module graph is evaluated in one task (Monaco as one import
// was one task of ~165 ms CPU); here each stage is a dynamic import of its own that evaluates only what the stages
// before it did not (a few hundred KB of script, well under 50 ms), with a yield to the page between stages so input
// and frames go first. The order keeps Monaco's: its core, then every contribution, then the languages, then the
// standalone services.
import type { Monaco } from './monaco.js';

const STAGES: (() => Promise<unknown>)[] = [
  () => import('./monaco-stages/text-model.js'),
  () => import('./monaco-stages/view-model.js'),
  () => import('./monaco-stages/editor-widget.js'),
  () => import('./monaco-stages/diff-editor.js'),
  () => import('monaco-editor/editor/editor.api'),
  () => import('./monaco-stages/contributions.js'),
  () => import('./monaco-stages/contributions-more.js'),
  () => import('./monaco-stages/contributions-rest.js'),
  () => import('./monaco-stages/languages.js'),
];

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function load(): Promise<Monaco> {
  for (const stage of STAGES) {
    await stage();
    await nextTask();
  }
  const monaco = await import('monaco-editor/editor/editor.api'); // evaluated above: nothing runs here
  // Monaco makes its standalone services (and the editor features they start) on first use: here, in a task of its
  // own, with what `editor.create` would pass (no overrides). The first editor is then made in tasks of its own.
  monaco.editor.getModels();
  await nextTask();
  return monaco;
}
