/**
 * AWS IoT control plane, fleet provisioning by trusted user: CreateProvisioningClaim at AWS's REST path (botocore `iot`
 * 2015-05-28), so `aws iot create-provisioning-claim --endpoint-url` and `@aws-sdk/client-iot` work unchanged.
 * `expiration` is epoch seconds as restJson1 sends timestamps.
 */
import type { FleetProvisioningService } from '../../fleet-provisioning/index.js';
import { iotControlErrors } from './aws-errors.js';
import type { Route } from './http-server.js';

export type FleetProvisioningOperations = Pick<FleetProvisioningService, 'createProvisioningClaim'>;

export function iotFleetProvisioningRoutes(fleet: FleetProvisioningOperations): Route[] {
  return [{
    method: 'POST', path: '/provisioning-templates/{templateName}/provisioning-claim', operation: 'CreateProvisioningClaim', errors: iotControlErrors,
    handler: async (req) => {
      const c = await fleet.createProvisioningClaim(req.params.templateName);
      return { json: { certificateId: c.certificateId, certificatePem: c.certificatePem, keyPair: c.keyPair, expiration: c.expiration / 1000 } };
    },
  }];
}
