/**
 * The file half of the rules: which rule came from which file of `<dataDir>/rules`, and what changed since the last
 * read, so a reload creates, replaces and deletes only the rules whose files changed (an unchanged rule keeps its
 * queue, metrics and enabled state). Rules created through the API are never in here, so a reload cannot touch them.
 */
import type { Logger } from '../core/index.js';
import { readRuleFolder, type FileRule } from './rule-files.js';
import { validateRuleName } from './rule-model.js';

export interface FolderChanges {
  /** Rules that are new or whose definition (or file) changed. */
  upserts: FileRule[];
  /** Rules no file defines any more. */
  removed: string[];
}

interface Loaded { file: string; fingerprint: string }

export class RuleFolder {
  private loaded = new Map<string, Loaded>();

  constructor(readonly dir: string, private readonly logger: Logger) {}

  /** Whether the rule came from a file. */
  has(name: string): boolean {
    return this.loaded.has(name);
  }

  /**
   * Reads every file and returns the changes since the last read. A file that is not valid JSON/YAML keeps its rules
   * as they were (an editor's half-saved file should not delete a rule); fix the file and the next read applies it.
   */
  read(): FolderChanges {
    const { rules, problems, unparsed } = readRuleFolder(this.dir);
    for (const p of problems) this.logger.log('error', 'rules', `${p.file}: ${p.message}`, { file: p.file });
    const next = new Map<string, Loaded>();
    const broken = new Set(unparsed);
    for (const [name, was] of this.loaded) if (broken.has(was.file)) next.set(name, was);
    const upserts: FileRule[] = [];
    for (const r of rules) {
      try {
        validateRuleName(r.name);
      } catch (e) {
        this.logger.log('error', 'rules', `${r.file}: ${(e as Error).message}`, { file: r.file });
        continue;
      }
      const other = next.get(r.name);
      if (other) {
        this.logger.log('warn', 'rules', `${r.file}: rule ${r.name} is also defined in ${other.file}; that definition is kept`, { file: r.file });
        continue;
      }
      const loaded = { file: r.file, fingerprint: JSON.stringify(r.payload) };
      next.set(r.name, loaded);
      const was = this.loaded.get(r.name);
      if (!was || was.file !== loaded.file || was.fingerprint !== loaded.fingerprint) upserts.push(r);
    }
    const removed = [...this.loaded.keys()].filter((name) => !next.has(name));
    this.loaded = next;
    return { upserts, removed };
  }
}
