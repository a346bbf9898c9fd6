/**
 * What a just-in-time registration lab checks and cleans, on a local engine: the `caCertificate` check (a CA of the
 * lab's own, found by its subject CN), a certificate's issuing CA, a rule's FROM under a filter; and `lab reset`,
 * which removes the lab's CA with every certificate it issued (attached to a thing or not) and leaves other CAs.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  AttachThingPrincipalCommand, CreateThingCommand, CreateTopicRuleCommand, DescribeCACertificateCommand, GetRegistrationCodeCommand,
  IoTClient, ListCACertificatesCommand, RegisterCACertificateCommand, RegisterCertificateCommand, UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLab, labInventory, labNames, loadLab, resetLab, type CheckReport, type Lab } from '../../engine/labs/index.js';
import { filterCovers } from '../../engine/labs/checks/rule.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { makeCertificate, type MadeCertificate } from '../../engine/scenarios/steps/certificate.js';
import { tempDir } from '../helpers/temp-dirs.js';

let target: Target;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-labca-home-') });
}, 60_000);
afterAll(async () => {
  await target?.close();
});

const GUIDE = `# CA\n\n## Goal\n\nG.\n\n## The pipeline\n\n\`\`\`mermaid\nflowchart LR\n  a --> b\n\`\`\`\n\n## Steps\n\n### Step 1: Nothing\n\nNothing.\n\n## Why it works\n\nW.\n\n## What it costs on AWS\n\nC.\n\n## Clean up\n\nR.\n`;

function caLab(): Lab {
  const dir = path.join(tempDir('tb-labca-'), '92-own-ca');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'guide.md'), GUIDE);
  fs.writeFileSync(path.join(dir, 'solution.yaml'), 'name: none\nsteps: []\n');
  fs.writeFileSync(path.join(dir, 'lab.yaml'), `id: 92
slug: own-ca
title: Own CA
summary: S.
minutes: 1
names:
  CA: { kind: ca, base: root-ca }
  THING: { kind: thing, base: probe }
  OTHER: { kind: thing, base: other }
  RULE: { kind: rule, base: onboard }
checks:
  - { id: ca, title: c, caCertificate: { subject: "\${CA}", autoRegistration: true } }
  - { id: ca-off, title: c, caCertificate: { subject: "\${CA}", autoRegistration: false } }
  - { id: ca-inactive, title: c, caCertificate: { subject: "\${CA}", status: INACTIVE } }
  - { id: issued, title: i, certificate: { of: "\${THING}", ca: "\${CA}" } }
  - { id: issued-elsewhere, title: i, certificate: { of: "\${OTHER}", ca: "\${CA}" } }
  - { id: rule, title: r, rule: { name: "\${RULE}", fromWithin: "$aws/events/certificates/registered/+" } }
  - { id: rule-elsewhere, title: r, rule: { name: "\${RULE}", fromWithin: "$aws/events/presence/+/+" } }
`);
  return loadLab(dir);
}

const byId = (r: CheckReport) => Object.fromEntries(r.checks.map((c) => [c.id, `${c.status}: ${c.reason}`]));

async function registerCa(iot: IoTClient, ca: MadeCertificate, auto: boolean): Promise<string> {
  const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
  const verification = makeCertificate({ name: 'v', subject: { CN: registrationCode! }, key: 'ec' }, ca);
  const r = await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, verificationCertificate: verification.certificatePem, setAsActive: true, allowAutoRegistration: auto }));
  return r.certificateId!;
}

describe('a CA of the lab', () => {
  it('is checked by its CN, with the certificates it issued, and reset removes it with them', async () => {
    const lab = caLab();
    const attendee = 'ada';
    const n = labNames(lab, { attendee });
    expect(n.CA).toBe('l92-ada-root-ca');
    const iot = new IoTClient({ region: target.aws!.region, endpoint: target.aws!.endpoint, credentials: target.aws!.credentials as { accessKeyId: string; secretAccessKey: string } });
    try {
      const empty = byId(await checkLab(lab, target, { attendee }));
      expect(empty).toMatchObject({
        ca: `missing: no registered CA certificate has the subject CN=${n.CA}`,
        issued: `missing: there is no thing named ${n.THING} to attach a certificate to`,
        rule: `missing: there is no topic rule named ${n.RULE}`,
      });

      const ca = makeCertificate({ name: 'ca', subject: { CN: n.CA }, ca: true, key: 'ec' });
      const other = makeCertificate({ name: 'other', subject: { CN: 'someone else CA' }, ca: true, key: 'ec' });
      const caId = await registerCa(iot, ca, true);
      const otherId = await registerCa(iot, other, false);
      const device = makeCertificate({ name: 'd', subject: { CN: n.THING }, key: 'ec' }, ca);
      const stranger = makeCertificate({ name: 's', subject: { CN: n.OTHER }, key: 'ec' }, other);
      const pending = makeCertificate({ name: 'p', subject: { CN: 'never-attached' }, key: 'ec' }, ca);
      const reg = async (c: MadeCertificate, issuer: MadeCertificate, status: 'ACTIVE' | 'INACTIVE') =>
        (await iot.send(new RegisterCertificateCommand({ certificatePem: c.certificatePem, caCertificatePem: issuer.certificatePem, status }))).certificateArn!;
      const strangerArn = await reg(stranger, other, 'ACTIVE');
      for (const [thing, arn] of [[n.THING, await reg(device, ca, 'ACTIVE')], [n.OTHER, strangerArn]]) {
        await iot.send(new CreateThingCommand({ thingName: thing }));
        await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: arn }));
      }
      const unattached = await reg(pending, ca, 'INACTIVE');
      await iot.send(new CreateTopicRuleCommand({ ruleName: n.RULE, topicRulePayload: { sql: `SELECT * FROM '$aws/events/certificates/registered/${caId}'`, actions: [] } }));

      const short = (id: string) => `${id.slice(0, 10)}…`;
      expect(byId(await checkLab(lab, target, { attendee }))).toEqual({
        ca: `done: the CA certificate ${short(caId)} (CN=${n.CA}) is ACTIVE, auto-registration ENABLE`,
        'ca-off': `missing: the CA certificate ${short(caId)} (CN=${n.CA}) has auto-registration ENABLE, not DISABLE`,
        'ca-inactive': `missing: the CA certificate ${short(caId)} (CN=${n.CA}) is ACTIVE, not INACTIVE`,
        issued: `done: the thing ${n.THING} has 1 ACTIVE certificate, issued by CN=${n.CA}`,
        'issued-elsewhere': expect.stringMatching(new RegExp(`^missing: the certificate [0-9a-f]{10}… of ${n.OTHER} was not issued by the CA CN=${n.CA} \\(its CA is CN=someone else CA\\)$`)),
        rule: expect.stringMatching(new RegExp(`^done: the rule ${n.RULE} is SELECT \\* FROM '\\$aws/events/certificates/registered/${caId}'`)),
        'rule-elsewhere': `missing: the rule ${n.RULE} reads FROM '$aws/events/certificates/registered/${caId}', which is not under '$aws/events/presence/+/+'`,
      });

      const found = await labInventory(lab, target, { attendee });
      expect(found.filter((r) => r.kind === 'caCertificate').map((r) => r.name)).toEqual([caId]);
      // The lab's things' certificates (whoever issued them), and those its CA issued (attached to nothing too).
      expect(found.filter((r) => r.kind === 'certificate').map((r) => r.ref).sort()).toEqual([`arn:aws:iot:us-east-1:000000000000:cert/${device.certificateId}`, unattached, strangerArn].sort());
      // A CA that is still ACTIVE is deactivated first (AWS refuses to delete an ACTIVE one).
      await iot.send(new UpdateCACertificateCommand({ certificateId: caId, newStatus: 'ACTIVE' }));
      const reset = await resetLab(lab, target, { attendee });
      expect(reset.errors).toEqual([]);
      expect(reset.removed.map((r) => r.kind).sort()).toEqual(['caCertificate', 'certificate', 'certificate', 'certificate', 'rule', 'thing', 'thing']);
      const left = await iot.send(new ListCACertificatesCommand({}));
      expect(left.certificates?.map((c) => c.certificateId)).toEqual([otherId]);
      await expect(iot.send(new DescribeCACertificateCommand({ certificateId: caId }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect(await labInventory(lab, target, { attendee })).toEqual([]);
    } finally {
      iot.destroy();
    }
  }, 90_000);

  it("tells a rule's FROM under a filter", () => {
    expect(filterCovers('$aws/events/certificates/registered/+', '$aws/events/certificates/registered/abc')).toBe(true);
    expect(filterCovers('$aws/events/certificates/registered/+', '$aws/events/certificates/registered/+')).toBe(true);
    expect(filterCovers('$aws/events/certificates/registered/+', '$aws/events/certificates/registered/#')).toBe(false);
    expect(filterCovers('$aws/events/certificates/registered/+', '$aws/events/certificates/registered')).toBe(false);
    expect(filterCovers('$aws/events/certificates/registered/+', '$aws/events/certificates/registered/a/b')).toBe(false);
    expect(filterCovers('$aws/events/#', '$aws/events/certificates/registered/a/b')).toBe(true);
    expect(filterCovers('device/+/data', 'device/+/data')).toBe(true);
    expect(filterCovers('device/+/data', 'device/a/status')).toBe(false);
  });
});
