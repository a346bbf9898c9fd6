import type { ThingbenchApi } from '../../contract/index.js';
import type { LabsService } from './labs-service.js';

/** The contract's `labs` area over the service. */
export function labsApi(labs: LabsService): ThingbenchApi['labs'] {
  return {
    list: (input) => labs.list(input),
    get: (lab, input) => labs.get(lab, input),
    start: (lab, input) => labs.startLab(lab, input),
    check: (lab, input) => labs.checkLab(lab, input),
    solve: (lab, input) => labs.solveLab(lab, input),
    reset: (lab, input) => labs.resetLab(lab, input),
    fault: (lab, fault, devices, input) => labs.fault(lab, fault, devices, input),
    solution: async (lab) => labs.solution(lab),
  };
}
