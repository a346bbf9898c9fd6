import type { ThingbenchApi } from '../../contract/index.js';
import type { ScenariosService } from './scenarios-service.js';

/** The contract's `scenarios` area over the service. */
export function scenariosApi(scenarios: ScenariosService): ThingbenchApi['scenarios'] {
  return {
    validate: async (text, file) => scenarios.validate(text, file),
    run: async (input) => scenarios.run(input),
    runs: async () => scenarios.list(),
    cancel: (id) => scenarios.cancel(id),
    files: async () => scenarios.files(),
    schema: async () => scenarios.schema(),
    replay: (input) => scenarios.replay(input),
    stopReplay: async () => scenarios.stopReplay(),
  };
}
