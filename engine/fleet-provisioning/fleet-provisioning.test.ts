import { describe, it, expect } from 'vitest';
import { OwnershipTokens, TOKEN_LIFETIME_MS } from './ownership-tokens.js';
import { runPreProvisioningHook, type HookFunctions, type HookInput, type HookResult } from './pre-provisioning-hook.js';
import { ProvisioningRejection, decodeRequest, requestOf } from './provisioning-messages.js';

const rejectionOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof ProvisioningRejection ? [e.statusCode, e.errorCode, e.message] : e;
  }
  return undefined;
};

describe('provisioning topics', () => {
  it.each([
    ['$aws/certificates/create/json', { operation: 'CreateKeysAndCertificate', format: 'json' }],
    ['$aws/certificates/create/cbor', { operation: 'CreateKeysAndCertificate', format: 'cbor' }],
    ['$aws/certificates/create-from-csr/json', { operation: 'CreateCertificateFromCsr', format: 'json' }],
    ['$aws/provisioning-templates/t-1/provision/cbor', { operation: 'RegisterThing', format: 'cbor', templateName: 't-1' }],
    ['$aws/certificates/create/xml', undefined],
    ['$aws/provisioning-templates/t/provision/json/accepted', undefined],
    ['$aws/certificates/delete/json', undefined],
  ])('%s', (topic, expected) => expect(requestOf(topic)).toEqual(expected));

  it('payloads: empty is {}, anything but an object is InvalidPayload', () => {
    expect(decodeRequest(Buffer.alloc(0), 'json')).toEqual({});
    expect(decodeRequest(Buffer.from('{"a":"b"}'), 'json')).toEqual({ a: 'b' });
    expect(rejectionOf(() => decodeRequest(Buffer.from('"x"'), 'json'))).toEqual([400, 'InvalidPayload', 'Unable to parse the request payload: the JSON document is not an object']);
    expect(rejectionOf(() => decodeRequest(Buffer.from([0x41, 0x00]), 'cbor'))).toEqual([400, 'InvalidPayload', 'Unable to parse the request payload: the CBOR document is not an object']);
    expect(rejectionOf(() => decodeRequest(Buffer.from([0xff]), 'cbor'))).toEqual([400, 'InvalidPayload', expect.stringContaining('CBOR: unexpected break')]);
  });
});

describe('ownership tokens', () => {
  it('belong to their requester, are reserved by one RegisterThing at a time, expire after an hour', () => {
    let now = 1_000_000;
    const tokens = new OwnershipTokens(() => now);
    const token = tokens.issue('cert-1', 'claim-a');
    expect(rejectionOf(() => tokens.take('', 'claim-a'))).toEqual([400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token cannot be empty.']);
    expect(rejectionOf(() => tokens.take(token, 'claim-b'))).toEqual([400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token is invalid.']);
    const t = tokens.take(token, 'claim-a');
    expect(t.certificateId).toBe('cert-1');
    expect(rejectionOf(() => tokens.take(token, 'claim-a'))).toEqual([400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token is invalid.']);
    tokens.release(t);
    now += TOKEN_LIFETIME_MS;
    expect(rejectionOf(() => tokens.take(token, 'claim-a'))).toEqual([400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token has expired.']);
    expect(tokens.expire().map((x) => x.certificateId)).toEqual(['cert-1']);
    expect(tokens.expire()).toEqual([]);
  });

  it('a consumed token is gone', () => {
    const tokens = new OwnershipTokens(() => 0);
    const token = tokens.issue('cert-2', 'me');
    tokens.consume(tokens.take(token, 'me'));
    expect(rejectionOf(() => tokens.take(token, 'me'))).toEqual([400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token is invalid.']);
  });
});

describe('pre-provisioning hook', () => {
  const input: HookInput = { claimCertificateId: 'c', certificateId: 'd', certificatePem: 'pem', templateArn: 'arn', clientId: 'dev', parameters: { A: '1', B: '2' } };
  const hook = (answer: HookResult): HookFunctions & { events: unknown[] } => {
    const events: unknown[] = [];
    return {
      events,
      resolveName: (ref) => {
        if (!ref.startsWith('arn:aws:lambda:')) throw new Error('not an ARN');
        return ref.split(':').pop()!;
      },
      invoke: async (_name, event) => {
        events.push(event);
        return answer;
      },
    };
  };
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:check';
  const rejectionOfAsync = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof ProvisioningRejection ? [e.statusCode, e.errorCode, e.message] : e));

  it('allowProvisioning true: the parameters with the overrides applied; the function sees AWS\'s input', async () => {
    const fns = hook({ ok: true, result: { allowProvisioning: true, parameterOverrides: { B: 'two', C: '3' } } });
    expect(await runPreProvisioningHook(fns, arn, input)).toEqual({ A: '1', B: 'two', C: '3' });
    expect(fns.events).toEqual([input]);
    expect(await runPreProvisioningHook(hook({ ok: true, result: '{"allowProvisioning":true}' }), arn, input)).toEqual(input.parameters);
  });

  it.each([
    [{ ok: true, result: { allowProvisioning: false } }, [403, 'AccessDenied', 'The pre-provisioning hook check did not allow provisioning']],
    [{ ok: true, result: { allowProvisioning: 'true' } }, [403, 'AccessDenied', 'The pre-provisioning hook check did not return "allowProvisioning": true']],
    [{ ok: true, result: null }, [403, 'AccessDenied', 'The pre-provisioning hook check did not return "allowProvisioning": true']],
    [{ ok: false, error: 'boom' }, [500, 'InternalError', 'The pre-provisioning hook check failed: boom']],
    [{ ok: true, result: { allowProvisioning: true, parameterOverrides: { A: 1 } } }, [500, 'InternalError', 'The pre-provisioning hook check returned parameterOverrides that are not an object of strings']],
  ] as Array<[HookResult, unknown]>)('%o is refused', async (answer, expected) => {
    expect(await rejectionOfAsync(runPreProvisioningHook(hook(answer), arn, input))).toEqual(expected);
  });

  it('a target that is not a function ARN', async () => {
    expect(await rejectionOfAsync(runPreProvisioningHook(hook({ ok: true, result: {} }), 'nope', input))).toEqual([500, 'InternalError', 'The pre-provisioning hook nope is not a Lambda function ARN']);
  });
});
