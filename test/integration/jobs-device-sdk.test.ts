/**
 * The real AWS IoT Device SDK v2 for JavaScript (its iotjobs.IotJobsClient on the native aws-crt client) over mutual
 * TLS with a certificate the engine issued and a policy scoped to the thing's own jobs topics: notified of a new job,
 * it gets the pending list, starts the next execution, updates it to SUCCEEDED, and is refused a stale version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateJobCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand,
  DescribeJobCommand, DescribeJobExecutionCommand,
} from '@aws-sdk/client-iot';
import { iot, iotjobs, mqtt } from 'aws-iot-device-sdk-v2';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { iotClient, thingArn } from './helpers/jobs-device.js';

/** Resolves with the first message a subscription handler gets (or rejects with its error). */
function first<T>(subscribe: (handler: (error?: Error, response?: T) => void) => Promise<unknown>): { subscribed: Promise<unknown>; message: Promise<T> } {
  let subscribed!: Promise<unknown>;
  const message = new Promise<T>((resolve, reject) => {
    subscribed = subscribe((error, response) => (error ? reject(error) : resolve(response!)));
  });
  return { subscribed, message };
}

describe('AWS IoT Device SDK v2 iotjobs over mutual TLS', () => {
  let te: TestEngine;
  let connection: mqtt.MqttClientConnection | undefined;

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
  });
  afterAll(async () => {
    await connection?.disconnect().catch(() => {});
    await te?.stop();
  });

  it('gets pending executions, starts the next one and updates it to SUCCEEDED through IotJobsClient', async () => {
    const control = iotClient(te);
    const thingName = 'sdk-jobs-1';
    const cert = await control.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await control.send(new CreateThingCommand({ thingName }));
    await control.send(new AttachThingPrincipalCommand({ thingName, principal: cert.certificateArn }));
    const A = 'arn:aws:iot:us-east-1:000000000000';
    const jobs = `$aws/things/\${iot:Connection.Thing.ThingName}/jobs`;
    await control.send(new CreatePolicyCommand({ policyName: 'sdk-jobs', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${A}:topic/${jobs}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/${jobs}/*` },
    ] }) }));
    await control.send(new AttachPolicyCommand({ policyName: 'sdk-jobs', target: cert.certificateArn }));

    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(cert.certificatePem!, cert.keyPair!.PrivateKey!)
      .with_certificate_authority(fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8'))
      .with_endpoint('localhost')
      .with_port(Number(new URL(te.info.endpoints.mqtts!).port))
      .with_client_id(thingName)
      .with_clean_session(true)
      .build();
    connection = new mqtt.MqttClient().new_connection(config);
    await connection.connect();
    const client = new iotjobs.IotJobsClient(connection);
    const Q = mqtt.QoS.AtLeastOnce;

    // notify-next announces the new job with its document.
    const next = first<iotjobs.model.NextJobExecutionChangedEvent>((h) => client.subscribeToNextJobExecutionChangedEvents({ thingName }, Q, h));
    await next.subscribed;
    await control.send(new CreateJobCommand({ jobId: 'sdk-fw', targets: [thingArn(thingName)], document: JSON.stringify({ firmware: '2.0' }) }));
    expect((await next.message).execution).toMatchObject({ jobId: 'sdk-fw', status: 'QUEUED', jobDocument: { firmware: '2.0' } });

    const pending = first<iotjobs.model.GetPendingJobExecutionsResponse>((h) => client.subscribeToGetPendingJobExecutionsAccepted({ thingName }, Q, h));
    await pending.subscribed;
    await client.publishGetPendingJobExecutions({ thingName, clientToken: 'sdk-get' }, Q);
    const list = await pending.message;
    expect(list.clientToken).toBe('sdk-get');
    expect(list.queuedJobs?.map((j) => j.jobId)).toEqual(['sdk-fw']);

    const started = first<iotjobs.model.StartNextJobExecutionResponse>((h) => client.subscribeToStartNextPendingJobExecutionAccepted({ thingName }, Q, h));
    await started.subscribed;
    await client.publishStartNextPendingJobExecution({ thingName, statusDetails: { step: 'download' }, clientToken: 'sdk-start' }, Q);
    expect((await started.message).execution).toMatchObject({ jobId: 'sdk-fw', status: 'IN_PROGRESS', versionNumber: 2, statusDetails: { step: 'download' } });

    const rejected = first<iotjobs.model.RejectedErrorResponse>((h) => client.subscribeToUpdateJobExecutionRejected({ thingName, jobId: 'sdk-fw' }, Q, h));
    const accepted = first<iotjobs.model.UpdateJobExecutionResponse>((h) => client.subscribeToUpdateJobExecutionAccepted({ thingName, jobId: 'sdk-fw' }, Q, h));
    await Promise.all([rejected.subscribed, accepted.subscribed]);
    await client.publishUpdateJobExecution({ thingName, jobId: 'sdk-fw', status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 1 }, Q);
    expect(await rejected.message).toMatchObject({ code: 'VersionMismatch', executionState: { status: 'IN_PROGRESS', versionNumber: 2 } });
    await client.publishUpdateJobExecution({ thingName, jobId: 'sdk-fw', status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 2, includeJobExecutionState: true }, Q);
    expect((await accepted.message).executionState).toMatchObject({ status: 'SUCCEEDED', versionNumber: 3 });

    expect((await control.send(new DescribeJobExecutionCommand({ jobId: 'sdk-fw', thingName }))).execution?.status).toBe('SUCCEEDED');
    expect((await control.send(new DescribeJobCommand({ jobId: 'sdk-fw' }))).job).toMatchObject({ status: 'COMPLETED', jobProcessDetails: { numberOfSucceededThings: 1 } });
    await connection.disconnect();
    connection = undefined;
  }, 30_000);

  it('IotJobsClientv2 (request-response) over an MQTT 3.1.1 connection: get pending, start next, update, refusals as errors', async () => {
    const control = iotClient(te);
    const thingName = 'sdk-jobs-2';
    const cert = await control.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await control.send(new CreateThingCommand({ thingName }));
    await control.send(new AttachThingPrincipalCommand({ thingName, principal: cert.certificateArn }));
    await control.send(new AttachPolicyCommand({ policyName: 'sdk-jobs', target: cert.certificateArn }));
    await control.send(new CreateJobCommand({ jobId: 'sdk-v2', targets: [thingArn(thingName)], document: JSON.stringify({ firmware: '3.0' }) }));

    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(cert.certificatePem!, cert.keyPair!.PrivateKey!)
      .with_certificate_authority(fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8'))
      .with_endpoint('localhost')
      .with_port(Number(new URL(te.info.endpoints.mqtts!).port))
      .with_client_id(thingName)
      .with_clean_session(true)
      .build();
    connection = new mqtt.MqttClient().new_connection(config);
    await connection.connect();
    const client = iotjobs.IotJobsClientv2.newFromMqtt311(connection, { maxRequestResponseSubscriptions: 6, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 10 });
    try {
      const pending = await client.getPendingJobExecutions({ thingName });
      expect(pending.queuedJobs?.map((j) => j.jobId)).toEqual(['sdk-v2']);
      const started = await client.startNextPendingJobExecution({ thingName, statusDetails: { step: 'flash' } });
      expect(started.execution).toMatchObject({ jobId: 'sdk-v2', status: 'IN_PROGRESS', versionNumber: 2, jobDocument: { firmware: '3.0' } });
      const refused = await client.updateJobExecution({ thingName, jobId: 'sdk-v2', status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 7 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      expect(JSON.stringify(refused)).toContain('VersionMismatch');
      const done = await client.updateJobExecution({ thingName, jobId: 'sdk-v2', status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 2, includeJobExecutionState: true });
      expect(done.executionState).toMatchObject({ status: 'SUCCEEDED', versionNumber: 3 });
    } finally {
      client.close();
      await connection.disconnect();
      connection = undefined;
    }
    expect((await control.send(new DescribeJobCommand({ jobId: 'sdk-v2' }))).job?.status).toBe('COMPLETED');
  }, 30_000);
});
