// Lab 10's function: the rule hands it AWS IoT's just-in-time registration event, published when a device first
// connects with a certificate signed by a CA registered with auto-registration:
//   {"certificateId": "…", "caCertificateId": "…", "certificateStatus": "PENDING_ACTIVATION", "timestamp": …, …}
// It reads the certificate, names the thing after the certificate's subject CN, creates the thing, attaches the
// policy POLICY_NAME to the certificate and the certificate to the thing, and activates the certificate last, so the
// device's next connection finds everything in place. The AWS SDK v3 is the Lambda runtime's own: nothing to bundle.
import { X509Certificate } from 'node:crypto';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateThingCommand, DescribeCertificateCommand, IoTClient,
  ResourceAlreadyExistsException, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';

const iot = new IoTClient({});
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

export const handler = async (event) => {
  const { certificateId, caCertificateId } = event;
  const { certificateDescription: cert } = await iot.send(new DescribeCertificateCommand({ certificateId }));
  if (cert.status !== 'PENDING_ACTIVATION') {
    console.log(`certificate ${certificateId} is ${cert.status}: nothing to do`);
    return { activated: false };
  }
  const thingName = /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(cert.certificatePem).subject)?.[1];
  if (!thingName || !THING_NAME.test(thingName)) {
    console.log(`certificate ${certificateId} has no subject CN usable as a thing name: left PENDING_ACTIVATION`);
    return { activated: false };
  }
  try {
    await iot.send(new CreateThingCommand({ thingName, attributePayload: { attributes: { caCertificateId: caCertificateId.slice(0, 64) } } }));
  } catch (e) {
    // A device whose thing exists already (a second certificate for it) keeps its thing.
    if (!(e instanceof ResourceAlreadyExistsException)) throw e;
  }
  await iot.send(new AttachPolicyCommand({ policyName: process.env.POLICY_NAME, target: cert.certificateArn }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: cert.certificateArn }));
  await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'ACTIVE' }));
  console.log(`certificate ${certificateId} of ${thingName}: thing created, policy ${process.env.POLICY_NAME} attached, ACTIVE`);
  return { activated: true, thingName };
};
