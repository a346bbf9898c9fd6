/**
 * The links SNS puts in what it delivers, answered on the engine's endpoint as SNS answers them: a GET of a
 * confirmation's `SubscribeURL` confirms the subscription (what an HTTP endpoint does with it), a GET of a
 * notification's `UnsubscribeURL` unsubscribes. Both reply with the XML of the matching API action.
 */
import { isEngineError } from '../../../core/index.js';
import type { NotifySink } from '../../../sinks/index.js';
import type { HttpRequest, HttpResult, Route } from '../http-server.js';

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xml = (status: number, body: string): HttpResult => ({ status, body: Buffer.from(`<?xml version="1.0"?>\n${body}`), headers: { 'content-type': 'text/xml' } });

function errorXml(e: unknown, requestId: string): HttpResult {
  if (!isEngineError(e)) throw e;
  const notFound = e.code === 'NotFound';
  return xml(notFound ? 404 : 400, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${notFound ? 'NotFound' : 'InvalidParameter'}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
}

export function snsLinkRoutes(notify: NotifySink): Route[] {
  const handler = async (req: HttpRequest): Promise<HttpResult> => {
    const action = req.query.get('Action');
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
  return [{ method: 'GET', path: '/', operation: 'SNS link (ConfirmSubscription, Unsubscribe)', handler }];
}
