export { signerRoutes, type SignerOperations } from './signer-routes.js';
export { signerErrors } from './signer-errors.js';
