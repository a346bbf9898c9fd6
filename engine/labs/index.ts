/**
 * Labs: the lab format and its catalogue, the checks, lab runs (start, solve, reset, watch) and progress.
 *
 *   const labs = loadCatalogue();                              // every labs/<nn>-<slug>/, checked (file:line:col)
 *   const { labs, broken } = loadLabCatalogue({ dirs, dataDir }); // and the user's labs; broken ones listed with why
 *   const lab = findLab(labs, 'getting-set-up');
 *   labNames(lab, { attendee: 'alice' });                      // { THING: 'l01-alice-ratchet', … }
 *   labEnv(lab, target, { attendee: 'alice' });                // { THING, AWS, IOT_ENDPOINT, MQTT_HOST, CA_FILE, … }
 *   await startLab(lab, target, { attendee });                 // refuses what an earlier run left (fresh: removes it)
 *   const report = await checkLab(lab, target, { attendee, since: started.startedAt });
 *   await solveLab(lab, target, { attendee });                 // solution.yaml as a scenario with the lab's variables
 *   await resetLab(lab, target, { attendee });                 // everything under the lab's names, on any target
 *   const watch = await watchLab(lab, target, { attendee, onReport });
 */
export { loadLab, parseLab, BUILTIN_VARIABLES } from './format/load.js';
export { loadCatalogue, loadLabCatalogue, userLabDirs, findLab, LABS_DIR, type LabCatalogue, type LabCatalogueOptions } from './format/catalogue.js';
export { parseGuide, type Guide, type GuideBlock, type GuideCommand, type GuideSection, type GuideStep, type BlockMode } from './format/guide.js';
export { labNames, labEnv, labVariables, envExports, defaultAttendee, type LabOptions, type LabEnvOptions } from './format/env.js';
export { accountOf, resolveAccount } from './format/account.js';
export { resourceName, namePrefix, attendeeSlug, labPrefix, NAME_KINDS, type NameKind } from './format/names.js';
export { interpolate as interpolateLab } from './format/interpolate.js';
export { labSchema, buildLabSchema } from './format/schema.js';
export type { Lab, LabCheck, LabNameDecl, LabOmitTest, LabSource, BrokenLab } from './format/types.js';
export { CHECK_KINDS, CHECK_KIND_NAMES, checkKind, type CheckKind, type CheckResult, type CheckStatus, type CheckContext } from './checks/index.js';
export { checkLab, labFilters, type CheckLabOptions, type CheckOutcome, type CheckReport } from './run/check-lab.js';
export { startLab, solveLab, loadSolution, labTags, type LabRunOptions, type StartLabOptions, type StartedLab } from './run/start.js';
export { resetLab, labInventory, type LabResource, type ResetResult } from './run/reset.js';
export { watchLab, type LabWatch, type WatchLabOptions } from './run/watch.js';
export { ProgressStore, progressKey, type LabProgress } from './run/progress.js';
export { LabsService, type LabsServiceOptions, type LabsServiceEvents } from './service/labs-service.js';
export { labsApi } from './service/labs-api.js';
