import type { DeviceDecl, StepCall } from '../../scenarios/index.js';
import type { Guide } from './guide.js';
import type { NameKind } from './names.js';

/** One `names:` entry: the variable a guide and the checks know it by, and what it becomes. */
export interface LabNameDecl {
  /** `THING`: `$THING` in the guide, `${THING}` in checks, start and solution. */
  variable: string;
  kind: NameKind;
  base: string;
}

/** One check as written: its kind's arguments are not yet interpolated. */
export interface LabCheck {
  id: string;
  title: string;
  hint?: string;
  kind: string;
  args: unknown;
  /** `lab.yaml:12:5`, for messages. */
  where: string;
}

/** `tests.omit`: leaving out a guide step leaves that check missing (the suite proves it). */
export interface LabOmitTest {
  step: number;
  missing: string;
}

/** A loaded, checked lab folder. */
export interface Lab {
  id: number;
  slug: string;
  title: string;
  summary: string;
  minutes: number;
  cost: string;
  /** The lab's folder (absolute). */
  dir: string;
  /** `<dir>/lab.yaml`. */
  file: string;
  names: LabNameDecl[];
  devices: DeviceDecl[];
  start: StepCall[];
  checks: LabCheck[];
  /** `localOnly`: why the lab needs the local engine (the suite skips its run against another target). */
  tests: { omit: LabOmitTest[]; localOnly?: string };
  guide: Guide;
  /** `<dir>/solution.yaml` (a scenario, loaded when the lab is solved). */
  solutionFile: string;
  /** Where it comes from: shipped with Thingbench (`labs/`, the default) or a user's lab folder (`--labs`, `<dataDir>/labs/`). */
  source?: LabSource;
}

export type LabSource = 'shipped' | 'user';

/** A user's lab folder that does not load: listed with why, never in the way of the others. */
export interface BrokenLab {
  /** From the folder's name (`nn-slug`). */
  id: number;
  slug: string;
  dir: string;
  source: 'user';
  /** Every problem, one `file:line:col: what was expected` a line. */
  error: string;
}
