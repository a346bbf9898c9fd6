import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/index.js';
import { FunctionAttachments } from './function-attachments.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function opened(dir: string): FunctionAttachments {
  const a = new FunctionAttachments(dir, systemClock);
  a.open();
  return a;
}

describe('FunctionAttachments', () => {
  it('answers and keeps changes to two functions made at once (two attendees of a lab, on one engine)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-attachments-'));
    dirs.push(dir);
    const a = opened(dir);
    // Each change writes attachments.json: two writes at once used to share its temporary file, and one of them failed
    // with ENOENT after the change was made (a 500 the AWS CLI retries, then a ResourceConflictException).
    const permission = { statementId: 'public-url', action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE' };
    await Promise.all([
      a.addPermission('commands-guide', permission),
      a.addPermission('commands-omit4', permission),
      a.createUrl('commands-solver', 'NONE', null),
      a.createUrl('commands-cloud', 'NONE', null),
    ]);
    const again = opened(dir);
    for (const name of ['commands-guide', 'commands-omit4']) expect(JSON.parse(again.policy(name).policy).Statement).toHaveLength(1);
    for (const name of ['commands-solver', 'commands-cloud']) expect(again.url(name).authType).toBe('NONE');
  });
});
