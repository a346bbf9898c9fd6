export { snsService } from './sns-service.js';
export { snsLinkRoutes } from './sns-links.js';
