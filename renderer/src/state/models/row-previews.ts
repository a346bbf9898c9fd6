import { payloadPreview } from '../../lib/format.js';
import type { TopicNode } from './topic-tree.js';

/** How long a tree row's preview is: one short line beside the topic's name. */
const PREVIEW_CHARS = 40;

/**
 * The previews of the tree's rows on screen, each made once per payload (the rows are drawn again every frame while
 * traffic flows). Holds only the rows of the last two drawings, however many topics the tree has.
 */
export class RowPreviews {
  private previous = new Map<TopicNode, { payload: string; text: string }>();
  private current = new Map<TopicNode, { payload: string; text: string }>();

  /** A new drawing of the rows begins: previews not asked for in the last one are let go. */
  begin(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** The preview of `payload` (base64), the last payload of `node`. */
  text(node: TopicNode, payload: string): string {
    const known = this.current.get(node) ?? this.previous.get(node);
    const made = known?.payload === payload ? known : { payload, text: payloadPreview(payload, false, PREVIEW_CHARS) };
    this.current.set(node, made);
    return made.text;
  }
}
