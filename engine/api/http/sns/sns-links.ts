/**
 * The links SNS puts in what it delivers, answered on the engine's endpoint as SNS answers them: a GET of a
 * confirmation's `SubscribeURL` confirms the subscription (what an HTTP endpoint does with it), a GET of a
 * notification's `UnsubscribeURL` unsubscribes. Both reply with the XML of the matching API action. `SigningCertURL`
 * serves a self-signed certificate of the engine's signing key, so a signature can be checked (against this
 * certificate, not AWS's).
 */
import crypto from 'node:crypto';
import { isEngineError } from '../../../core/index.js';
import { encodeName, issueCertificate } from '../../../security/index.js';
import { NOTIFY_SIGNING_CERT_PATH, notifySigningKeys, type NotifySink } from '../../../sinks/index.js';
import { AwsError } from '../aws-errors.js';
import type { HttpRequest, HttpResult, Route } from '../http-server.js';

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xml = (status: number, body: string): HttpResult => ({ status, body: Buffer.from(`<?xml version="1.0"?>\n${body}`), headers: { 'content-type': 'text/xml' } });

function errorXml(e: unknown, requestId: string): HttpResult {
  if (!isEngineError(e)) throw e;
  const notFound = e.code === 'NotFound';
  return xml(notFound ? 404 : 400, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${notFound ? 'NotFound' : 'InvalidParameter'}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
}

let certificate: string | undefined;
/** A self-signed certificate (PEM) of the key the engine signs notifications with, made once. */
function signingCertificate(): string {
  if (certificate) return certificate;
  const { privateKey, publicKey } = notifySigningKeys();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = encodeName([['CN', 'sns.thingbench.local'], ['O', 'Thingbench (local, not Amazon)']]);
  const now = Date.now();
  const der = issueCertificate({
    subject: name, publicKey: spki, issuer: { name, key: privateKey, publicKey: spki }, serial: crypto.randomBytes(16),
    notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 365 * 86_400_000),
  });
  certificate = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return certificate;
}

export function snsLinkRoutes(notify: NotifySink): Route[] {
  const handler = async (req: HttpRequest): Promise<HttpResult> => {
    const action = req.query.get('Action');
    // Only SNS's links carry an Action; any other GET of / is no AWS operation here, answered as every unknown path is.
    if (action === null) throw new AwsError(404, 'ResourceNotFoundException', 'Not Found');
    const meta = `<ResponseMetadata><RequestId>${req.requestId}</RequestId></ResponseMetadata>`;
    try {
      if (action === 'ConfirmSubscription') {
        const arn = await notify.topics.confirm(req.query.get('TopicArn') ?? '', req.query.get('Token') ?? '');
        return xml(200, `<ConfirmSubscriptionResponse xmlns="${NS}"><ConfirmSubscriptionResult><SubscriptionArn>${esc(arn)}</SubscriptionArn></ConfirmSubscriptionResult>${meta}</ConfirmSubscriptionResponse>`);
      }
      if (action === 'Unsubscribe') {
        await notify.topics.unsubscribe(req.query.get('SubscriptionArn') ?? '');
        return xml(200, `<UnsubscribeResponse xmlns="${NS}">${meta}</UnsubscribeResponse>`);
      }
    } catch (e) {
      return errorXml(e, req.requestId);
    }
    return xml(400, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The action ${esc(action ?? '')} is not valid for this web service.</Message></Error><RequestId>${req.requestId}</RequestId></ErrorResponse>`);
  };
  return [
    // As on AWS, the links work unsigned (off loopback too): the token or the subscription ARN in the URL is the key.
    { method: 'GET', path: '/', operation: 'SNS link (ConfirmSubscription, Unsubscribe)', handler, ownAuthorization: true },
    {
      method: 'GET', path: NOTIFY_SIGNING_CERT_PATH, operation: 'SNS signing certificate', ownAuthorization: true,
      handler: () => ({ body: Buffer.from(signingCertificate()), headers: { 'content-type': 'application/x-x509-ca-cert' } }),
    },
  ];
}
