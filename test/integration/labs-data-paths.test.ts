/**
 * Labs 3 (streaming into a warehouse), 4 (WebSockets) and 8 (streaming into DynamoDB) on a fresh local engine: each
 * guide run as an attendee types it (Debian's AWS CLI, mosquitto over mutual TLS, the lab's Node client) completes
 * every check; leaving out the step `tests.omit` names leaves that check the first one missing, with its hint; the
 * reference solution, for an attendee who has done nothing, completes every check; and `lab reset` leaves nothing.
 * `LABS=3,8` runs only those labs.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLab, findLab, labEnv, labInventory, loadCatalogue, resetLab, solveLab, startLab, type CheckReport, type Lab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { AWS_CLI, awsCliMissing } from '../helpers/aws-cli.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runGuide } from '../labs/guide-runner.js';
import { freePort } from '../helpers/net.js';

const mosquittoMissing = spawnSync('mosquitto_pub', ['--help']).error ? 'mosquitto_pub is not installed' : undefined;
const missing = awsCliMissing ?? mosquittoMissing;
const only = process.env.LABS ? process.env.LABS.split(',').map(Number) : undefined;
const catalogue = loadCatalogue();
const labIds = [3, 4, 8].filter((id) => (!only || only.includes(id)) && catalogue.some((l) => l.id === id));

let target: Target;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-labs-data-') });
}, 60_000);
afterAll(async () => {
  await target?.close();
});

const summary = (r: CheckReport) => r.checks.map((c) => `${c.id}: ${c.status}${c.status === 'done' ? '' : ` (${c.reason})`}`).join('\n');

for (const id of labIds) {
  const lab: Lab = findLab(catalogue, id);
  describe.skipIf(missing !== undefined)(`lab ${id}: ${lab.title}`, () => {
    async function guide(attendee: string, omitStep?: number): Promise<CheckReport> {
      const started = await startLab(lab, target, { attendee, fresh: true });
      // Lab 4 serves its page on PAGE_PORT (8004 by default): a free one here, so that parallel runs never meet.
      const env = { ...labEnv(lab, target, { attendee, awsCli: AWS_CLI }), PAGE_PORT: String(await freePort()) };
      await runGuide({ file: lab.guide.file, commands: lab.guide.commands, env, ...(omitStep ? { omitStep } : {}) });
      return checkLab(lab, target, { attendee, since: started.startedAt });
    }

    it('its guide, run as an attendee types it, completes every check, and reset leaves nothing', async () => {
      const report = await guide('guide');
      expect(summary(report)).not.toMatch(/: (missing|waiting|skipped)/);
      expect(report.complete).toBe(true);
      const reset = await resetLab(lab, target, { attendee: 'guide' });
      expect(reset.errors).toEqual([]);
      expect(await labInventory(lab, target, { attendee: 'guide' })).toEqual([]);
    }, 240_000);

    for (const omit of lab.tests.omit) {
      it(`without guide step ${omit.step}, the check ${omit.missing} is the first one missing, with its hint`, async () => {
        const attendee = `omit${omit.step}`;
        const report = await guide(attendee, omit.step);
        const first = report.checks.find((c) => c.status !== 'done');
        expect(first?.id, summary(report)).toBe(omit.missing);
        expect(first?.status).toBe('missing');
        expect(first?.hint).toMatch(/\S/);
        await resetLab(lab, target, { attendee });
      }, 240_000);
    }

    it('its solution, for an attendee who has done nothing, completes every check', async () => {
      const attendee = 'solver';
      const since = Date.now();
      const run = await solveLab(lab, target, { attendee });
      expect(run.message ?? run.status).toBe('passed');
      const report = await checkLab(lab, target, { attendee, since });
      expect(summary(report)).not.toMatch(/: (missing|waiting|skipped)/);
      const reset = await resetLab(lab, target, { attendee });
      expect(reset.errors).toEqual([]);
    }, 120_000);
  });
}
