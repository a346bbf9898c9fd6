/**
 * The `request` step (an AWS IoT MQTT API call as a device makes it) and the `aws` step reading a signing job's output:
 * a Device Shadow get refused with AWS's 404 and then accepted with its state in variables; fleet provisioning by claim
 * over MQTT, whose new certificate the device then publishes with; an S3 object's JSON Body read into variables and
 * `${json(…)}` putting a PEM certificate inside a JSON document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import type { StepRecord } from '../../engine/scenarios/index.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

const statuses = (steps: StepRecord[]) => steps.map((s) => `${s.id} ${s.step} ${s.status}`);

describe('the request step', () => {
  it('a rejected request fails the step with the reply; an accepted one sets variables', async () => {
    const refused = await runFiles(engineTarget(te), {
      'main.yaml': `
name: shadow get before any update
steps:
  - request: { topic: "$aws/things/req-lamp/shadow/get" }
`,
    });
    expect(statuses(refused.result.steps)).toEqual(['1 request failed']);
    expect(refused.result.steps[0].message).toMatch(/^\$aws\/things\/req-lamp\/shadow\/get was rejected: .*"code":404/);

    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: shadow get after an update
steps:
  - shadow.update: { thing: req-lamp, reported: { on: true, level: 3 } }
  - request: { topic: "$aws/things/req-lamp/shadow/get", vars: { level: $.state.reported.level } }
  - publish: { topic: "req/level", payload: "level \${level}" }
  - expect: { topic: req/level, payload: level 3 }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 shadow.update passed', '2 request passed', '3 publish passed', '4 expect passed']);
  });

  it('fleet provisioning by claim over MQTT: the device gets its certificate, registers, and publishes with it', async () => {
    const A = 'arn:aws:iot:us-east-1:000000000000';
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: claim
steps:
  - provision:
      policies:
        - name: req-device
          document: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: ["iot:Connect", "iot:Publish"], Resource: "*" }] }
        - name: req-claim
          document:
            Version: "2012-10-17"
            Statement:
              - { Effect: Allow, Action: "iot:Connect", Resource: "*" }
              - { Effect: Allow, Action: ["iot:Publish", "iot:Receive"], Resource: ["${A}:topic/$aws/certificates/create/*", "${A}:topic/$aws/provisioning-templates/req-template/provision/*"] }
              - { Effect: Allow, Action: "iot:Subscribe", Resource: ["${A}:topicfilter/$aws/certificates/create/*", "${A}:topicfilter/$aws/provisioning-templates/req-template/provision/*"] }
      certificates: [{ name: claim, policies: [req-claim] }]
  - aws:
      service: iot
      operation: CreateProvisioningTemplate
      input:
        templateName: req-template
        enabled: true
        provisioningRoleArn: "arn:aws:iam::000000000000:role/provisioning"
        templateBody: >-
          {"Parameters":{"SerialNumber":{"Type":"String"},"AWS::IoT::Certificate::Id":{"Type":"String"}},"Resources":{
          "thing":{"Type":"AWS::IoT::Thing","Properties":{"ThingName":{"Fn::Join":["",["req-sensor-",{"Ref":"SerialNumber"}]]}}},
          "certificate":{"Type":"AWS::IoT::Certificate","Properties":{"CertificateId":{"Ref":"AWS::IoT::Certificate::Id"},"Status":"ACTIVE"}},
          "policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":"req-device"}}}}
  - request: { topic: "$aws/certificates/create/json", clientId: req-claim-1, certificate: claim, vars: { device: $ } }
  - request:
      topic: "$aws/provisioning-templates/req-template/provision/json"
      payload: { certificateOwnershipToken: "\${device.certificateOwnershipToken}", parameters: { SerialNumber: "7" } }
      clientId: req-claim-1
      certificate: claim
      vars: { thing: $.thingName }
  - publish: { topic: "telemetry/\${thing}", payload: { t: 1 }, qos: 1, clientId: "\${thing}", certificate: device }
  - expect: { topic: "telemetry/req-sensor-7", json: { t: 1 } }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual(['1 provision passed', '2 aws passed', '3 request passed', '4 request passed', '5 publish passed', '6 expect passed']);
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect((await iot.send(new DescribeThingCommand({ thingName: 'req-sensor-7' }))).thingName).toBe('req-sensor-7');
    iot.destroy();
  });
});

describe('the aws step reading a signing job', () => {
  it('signs an object with a Signer profile, reads the signed object\'s JSON Body into variables, and embeds the PEM with json()', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'fw.bin': 'firmware bytes',
      'main.yaml': `
name: sign
steps:
  - aws: { service: s3, operation: CreateBucket, input: { Bucket: req-fw } }
  - aws: { service: s3, operation: PutObject, input: { Bucket: req-fw, Key: fw.bin, Body: "fileb://fw.bin" } }
  - aws: { service: signer, operation: PutSigningProfile, input: { profileName: req_profile, platformId: AmazonFreeRTOS-Default } }
  - aws:
      service: signer
      operation: StartSigningJob
      input: { profileName: req_profile, source: { s3: { bucketName: req-fw, key: fw.bin, version: "1" } }, destination: { s3: { bucketName: req-fw, prefix: signed/ } } }
      vars: { job: $.jobId }
  - aws: { service: signer, operation: DescribeSigningJob, input: { jobId: "\${job}" }, until: { json: { status: Succeeded } }, vars: { key: $.signedObject.s3.key } }
  - aws: { service: s3, operation: GetObject, input: { Bucket: req-fw, Key: "\${key}" }, vars: { signed: $.Body } }
  - publish: { topic: req/doc, payload: '{"sig":\${json(signed.signature)},"certfile":\${json(signed.certificate)}}' }
  - expect: { topic: req/doc, where: [{ path: $.certfile, op: matches, value: "^-----BEGIN CERTIFICATE-----\\\\n" }, { path: $.sig, op: matches, value: "^[A-Za-z0-9+/=]{60,}$" }] }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps).every((s) => s.endsWith('passed')), JSON.stringify(result.steps.map((s) => s.message))).toBe(true);
  });
});
