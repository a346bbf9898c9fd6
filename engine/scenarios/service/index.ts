export { ScenariosService, EXAMPLE_SCENARIOS_DIR, type ScenariosServiceOptions, type ScenariosServiceEvents } from './scenarios-service.js';
export { scenariosApi } from './scenarios-api.js';
