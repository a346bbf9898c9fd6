/**
 * `solveLab` for an attendee who never started the lab: the lab's starting state is set up first (lab 5's motor runs
 * for the solution), every check is done afterwards, and the devices that start ran are stopped when the solution ends.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkLab, findLab, loadCatalogue, solveLab } from '../../engine/labs/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

describe('solving a lab that was never started', () => {
  it("starts it first, so lab 5's solution finds the motor, and stops the motor when the solution ends", async () => {
    const watcher = await connect(te.mqttPort);
    await watcher.subscribeAsync('$aws/events/presence/+/l05-gus-motor', { qos: 1 });
    const presence: string[] = [];
    watcher.on('message', (topic) => presence.push(topic.split('/')[3]));
    const target = engineTarget(te);
    const lab = findLab(loadCatalogue(), 'thing-shadows');
    const since = Date.now();
    const run = await solveLab(lab, target, { attendee: 'gus' });
    expect(run.message).toBeUndefined();
    expect(run.status).toBe('passed');
    const report = await checkLab(lab, target, { attendee: 'gus', since });
    expect(report.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['desired done', 'converged done', 'documents done', 'vibration done']);
    await vi.waitFor(() => expect(presence).toEqual(['connected', 'disconnected']));
    await watcher.endAsync();
  });
});
