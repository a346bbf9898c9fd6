import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate } from './template-renderer.js';

const thingWith = (props: object, extra: object = {}) => JSON.stringify({
  ...extra, Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'lamp', ...props } } },
});
/** Renders a template whose thing's attribute `v` holds `expr`; returns that attribute. */
function attr(expr: unknown, params: Record<string, string> = {}, extra: object = {}): string | undefined {
  return renderTemplate(parseTemplate(thingWith({ AttributePayload: { v: expr } }, extra)), params).thing?.attributes?.v;
}

describe('provisioning template renderer', () => {
  it('renders the developer guide bulk registration example', () => {
    const body = JSON.stringify({
      Parameters: { ThingName: { Type: 'String' }, SerialNumber: { Type: 'String' }, Location: { Type: 'String', Default: 'WA' }, CSR: { Type: 'String' } },
      Resources: {
        thing: {
          Type: 'AWS::IoT::Thing',
          Properties: { ThingName: { Ref: 'ThingName' }, AttributePayload: { version: 'v1', serialNumber: { Ref: 'SerialNumber' } }, ThingTypeName: 'lightBulb-versionA', ThingGroups: ['v1-lightbulbs', { Ref: 'Location' }] },
          OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
        },
        certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateSigningRequest: { Ref: 'CSR' }, Status: 'ACTIVE' } },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: '{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action":["iot:Publish"], "Resource": ["arn:aws:iot:us-east-1:123456789012:topic/foo/bar"] }] }' } },
      },
    });
    const r = renderTemplate(parseTemplate(body), { ThingName: 'bulb-1', SerialNumber: '123', CSR: 'csr-pem' });
    expect(r.thing).toEqual({
      logicalId: 'thing', thingName: 'bulb-1', thingTypeName: 'lightBulb-versionA', thingGroups: ['v1-lightbulbs', 'WA'],
      attributes: { version: 'v1', serialNumber: '123' }, overrides: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
    });
    expect(r.certificate).toMatchObject({ logicalId: 'certificate', certificateSigningRequest: 'csr-pem', status: 'ACTIVE', statusOverride: 'REPLACE' });
    expect(r.policies).toHaveLength(1);
    expect(r.policies[0].policyName).toMatch(/^[0-9a-f]{64}$/); // AWS names a document-only policy by its hash
    expect(r.policies[0].policyDocument).toContain('iot:Publish');
  });

  it('Ref: parameters, defaults, pseudo parameters, AWS::NoValue', () => {
    expect(attr({ Ref: 'P' }, { P: 'x' }, { Parameters: { P: { Type: 'String' } } })).toBe('x');
    expect(attr({ Ref: 'P' }, {}, { Parameters: { P: { Type: 'String', Default: 'd' } } })).toBe('d');
    expect(renderTemplate(parseTemplate(thingWith({ AttributePayload: { v: { Ref: 'AWS::IoT::Certificate::Id' } } })), {}, { 'AWS::IoT::Certificate::Id': 'abc' }).thing?.attributes).toEqual({ v: 'abc' });
    expect(renderTemplate(parseTemplate(thingWith({ ThingTypeName: { Ref: 'AWS::NoValue' } })), {}).thing?.thingTypeName).toBeUndefined();
    expect(() => attr({ Ref: 'P' }, {}, { Parameters: { P: { Type: 'String' } } })).toThrow('Parameter P is not provided and has no Default');
    expect(() => parseTemplate(thingWith({ ThingTypeName: { Ref: 'Nope' } }))).toThrow('Ref to an undeclared parameter "Nope"');
  });

  it('a value AWS supplies wins over a parameter of the same name sent by the device', () => {
    const body = JSON.stringify({
      Parameters: { 'AWS::IoT::Certificate::Id': { Type: 'String' } },
      Resources: { certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'Active' } } },
    });
    expect(renderTemplate(parseTemplate(body), { 'AWS::IoT::Certificate::Id': 'someone-elses' }, { 'AWS::IoT::Certificate::Id': 'mine' }).certificate?.certificateId).toBe('mine');
  });

  it('Fn::Join, Fn::Select, Fn::Split, Fn::Sub, Fn::Base64, Fn::FindInMap', () => {
    const params = { Parameters: { A: { Type: 'String' }, L: { Type: 'CommaDelimitedList' } } };
    expect(attr({ 'Fn::Join': ['-', ['a', { Ref: 'A' }, 'c']] }, { A: 'b' }, params)).toBe('a-b-c');
    expect(attr({ 'Fn::Select': ['1', { Ref: 'L' }] }, { A: 'x', L: 'p,q,r' }, params)).toBe('q');
    expect(attr({ 'Fn::Select': [2, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('c');
    expect(attr({ 'Fn::Sub': 'dev-${A}-${!Literal}' }, { A: '7' }, params)).toBe('dev-7-${Literal}');
    expect(attr({ 'Fn::Sub': ['${X}/${A}', { X: { 'Fn::Join': ['', ['x', 'y']] } }] }, { A: 'a' }, params)).toBe('xy/a');
    expect(attr({ 'Fn::Base64': 'hello' })).toBe('aGVsbG8=');
    const maps = { Parameters: { City: { Type: 'String' } }, Mappings: { Loc: { Seattle: { Url: 'https://sea' }, Paris: { Url: 'https://par' } } } };
    expect(attr({ 'Fn::FindInMap': ['Loc', { Ref: 'City' }, 'Url'] }, { City: 'Paris' }, maps)).toBe('https://par');
    expect(() => attr({ 'Fn::FindInMap': ['Loc', { Ref: 'City' }, 'Url'] }, { City: 'Oslo' }, maps)).toThrow('mapping Loc has no value for [Oslo, Url]');
    expect(() => attr({ 'Fn::Select': [5, ['a']] })).toThrow('out of range');
    expect(() => attr({ 'Fn::Join': ['-'] })).toThrow('Fn::Join takes a list of 2 arguments');
  });

  it('Conditions: Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition references, Fn::If and resource conditions', () => {
    const extra = {
      Parameters: { Env: { Type: 'String' }, Tier: { Type: 'String', Default: 'gold' } },
      Conditions: {
        IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
        IsGold: { 'Fn::Equals': ['gold', { Ref: 'Tier' }] },
        ProdGold: { 'Fn::And': [{ Condition: 'IsProd' }, { Condition: 'IsGold' }] },
        ProdOrGold: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsGold' }] },
        NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      },
    };
    const v = (cond: string, params: Record<string, string>) => attr({ 'Fn::If': [cond, 'yes', 'no'] }, params, extra);
    expect(v('IsProd', { Env: 'prod' })).toBe('yes');
    expect(v('IsProd', { Env: 'dev' })).toBe('no');
    expect(v('ProdGold', { Env: 'prod', Tier: 'silver' })).toBe('no');
    expect(v('ProdGold', { Env: 'prod' })).toBe('yes');
    expect(v('ProdOrGold', { Env: 'dev', Tier: 'silver' })).toBe('no');
    expect(v('ProdOrGold', { Env: 'dev' })).toBe('yes');
    expect(v('NotProd', { Env: 'dev' })).toBe('yes');
    // Fn::If with AWS::NoValue drops the property; a resource's Condition drops the resource.
    const body = JSON.stringify({
      ...extra,
      Resources: {
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'x', ThingTypeName: { 'Fn::If': ['IsProd', 'prod-type', { Ref: 'AWS::NoValue' }] } } },
        policy: { Type: 'AWS::IoT::Policy', Condition: 'IsProd', Properties: { PolicyName: 'prod-policy' } },
      },
    });
    expect(renderTemplate(parseTemplate(body), { Env: 'dev' })).toMatchObject({ thing: { thingName: 'x' }, policies: [] });
    expect(renderTemplate(parseTemplate(body), { Env: 'dev' }).thing?.thingTypeName).toBeUndefined();
    expect(renderTemplate(parseTemplate(body), { Env: 'prod' })).toMatchObject({ thing: { thingTypeName: 'prod-type' }, policies: [{ policyName: 'prod-policy' }] });
  });

  it('parameter constraints: AllowedValues, AllowedPattern, lengths, Number ranges', () => {
    const p = (spec: object) => ({ Parameters: { P: spec } });
    expect(() => attr({ Ref: 'P' }, { P: 'c' }, p({ Type: 'String', AllowedValues: ['a', 'b'] }))).toThrow('Parameter P must be one of a, b');
    expect(() => attr({ Ref: 'P' }, { P: 'x1' }, p({ Type: 'String', AllowedPattern: '[a-z]+' }))).toThrow('does not match the pattern');
    expect(() => attr({ Ref: 'P' }, { P: 'abcd' }, p({ Type: 'String', MaxLength: 3 }))).toThrow('at most 3 characters');
    expect(() => attr({ Ref: 'P' }, { P: 'ten' }, p({ Type: 'Number' }))).toThrow('must be a number');
    expect(() => attr({ Ref: 'P' }, { P: '11' }, p({ Type: 'Number', MaxValue: 10 }))).toThrow('must be at most 10');
    expect(attr({ Ref: 'P' }, { P: '10' }, p({ Type: 'Number', MaxValue: 10 }))).toBe('10');
    expect(attr({ 'Fn::Join': [':', { Ref: 'P' }] }, { P: '1,2' }, p({ Type: 'List<Number>' }))).toBe('1:2');
  });

  it('DeviceConfiguration is rendered to strings', () => {
    const body = JSON.stringify({
      Parameters: { Loc: { Type: 'String' } },
      Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'a' } } },
      DeviceConfiguration: { FallbackUrl: 'https://www.example.com/test-site', LocationUrl: { 'Fn::Join': ['', ['https://', { Ref: 'Loc' }]] } },
    });
    expect(renderTemplate(parseTemplate(body), { Loc: 'sea.example' }).deviceConfiguration).toEqual({ FallbackUrl: 'https://www.example.com/test-site', LocationUrl: 'https://sea.example' });
  });

  it.each([
    ['', 'The template body is empty'],
    ['{not json', 'The template body is not valid JSON'],
    ['[]', 'must be a JSON object'],
    ['{"Resources":{}}', 'The template has no Resources'],
    ['{"Outputs":{},"Resources":{"t":{"Type":"AWS::IoT::Thing"}}}', 'Unrecognized template section: Outputs'],
    ['{"Resources":{"t":{"Type":"AWS::S3::Bucket"}}}', 'unsupported Type "AWS::S3::Bucket"'],
    ['{"Parameters":{"P":{"Type":"Boolean"}},"Resources":{"t":{"Type":"AWS::IoT::Thing"}}}', 'Parameter P has an invalid Type "Boolean"'],
    ['{"Resources":{"t":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::GetAtt":["a","b"]}}}}}', 'unsupported function Fn::GetAtt'],
    ['{"Resources":{"t":{"Type":"AWS::IoT::Thing","Condition":"Nope"}}}', 'names an undefined condition "Nope"'],
    ['{"Resources":{"t":{"Type":"AWS::IoT::Thing","OverrideSettings":{"ThingTypeName":"MERGE"}}}}', 'ThingTypeName cannot be "MERGE"'],
    ['{"Resources":{"a":{"Type":"AWS::IoT::Thing"},"b":{"Type":"AWS::IoT::Thing"}}}', 'more than one AWS::IoT::Thing'],
    ['{"Resources":{"c":{"Type":"AWS::IoT::Certificate","OverrideSettings":{"Status":"MERGE"}}}}', 'Status cannot be "MERGE"'],
    ['{"Resources":{"c":{"Type":"AWS::IoT::Certificate","OverrideSettings":{"ThingGroups":"REPLACE"}}}}', 'unknown property ThingGroups'],
    ['{"Resources":{"p":{"Type":"AWS::IoT::Policy","OverrideSettings":{}}}}', 'allowed only on an AWS::IoT::Thing or an AWS::IoT::Certificate'],
  ])('refuses a bad body %s', (body, message) => {
    expect(() => parseTemplate(body)).toThrow(message);
  });

  it('refuses resources that do not render', () => {
    const one = (type: string, props: object) => JSON.stringify({ Resources: { r: { Type: type, Properties: props } } });
    expect(() => renderTemplate(parseTemplate(one('AWS::IoT::Thing', {})), {})).toThrow('Resource r: ThingName is required');
    expect(() => renderTemplate(parseTemplate(one('AWS::IoT::Certificate', { Status: 'ACTIVE' })), {})).toThrow('exactly one of CertificateId, CertificateSigningRequest and CertificatePem');
    expect(() => renderTemplate(parseTemplate(one('AWS::IoT::Certificate', { CertificateId: 'x', Status: 'BROKEN' })), {})).toThrow('Status must be ACTIVE or INACTIVE');
    expect(() => renderTemplate(parseTemplate(one('AWS::IoT::Policy', {})), {})).toThrow('give PolicyName, PolicyDocument or both');
    expect(renderTemplate(parseTemplate(one('AWS::IoT::Certificate', { CertificateId: 'x', Status: 'Active' })), {}).certificate?.status).toBe('ACTIVE');
    expect(renderTemplate(parseTemplate(one('AWS::IoT::Policy', { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17' } })), {}).policies)
      .toEqual([{ logicalId: 'r', policyName: 'p', policyDocument: '{"Version":"2012-10-17"}' }]);
  });
});
