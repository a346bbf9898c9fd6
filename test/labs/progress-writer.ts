/**
 * One process recording lab progress, as `thingbench lab … --target` does beside a running engine:
 * `progress-writer.ts <dataDir> <attendee> <rounds> <startAt>` waits until the epoch ms `startAt` (so two writers
 * begin together), then per round starts a lab, records a check round and marks it solved, each a separate update.
 */
import { ProgressStore, type CheckReport } from '../../engine/labs/index.js';

const [dataDir, attendee, rounds, startAt] = process.argv.slice(2);
const store = new ProgressStore(dataDir);
// Sleeps until just before the start, then busy-waits the rest: a timer alone would start the writers a scheduler
// tick apart, and spinning all along would take both of a small machine's cores from the tests running beside.
await new Promise((wake) => setTimeout(wake, Math.max(0, Number(startAt) - Date.now() - 50)));
while (Date.now() < Number(startAt)) {
  // Busy-wait.
}
for (let i = 1; i <= Number(rounds); i++) {
  const lab = { id: i, slug: `lab-${i}` };
  store.started(lab, 'local', attendee, Date.now());
  const report: CheckReport = { lab: i, slug: lab.slug, target: 'local', attendee, checkedAt: Date.now(), complete: true, done: 1, total: 1, checks: [{ id: 'it', title: 'it', kind: 'thing', status: 'done', reason: 'yes' }] };
  store.checked(lab, report);
  store.solved(lab, 'local', attendee);
}
