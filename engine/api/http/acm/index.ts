/**
 * AWS Certificate Manager on the engine's endpoint (awsJson 1.1), for code signing: ImportCertificate brings a
 * certificate and its ECDSA P-256 private key that signing profiles then name in `signingMaterial.certificateArn`
 * (AWS Signer signs with ACM certificates); GetCertificate returns the PEM of an imported certificate or of one the
 * engine made for a signing profile, which is what a device verifies signatures with.
 *
 * LIMITATIONS: only those two operations (the others answer UnknownOperationException); only P-256 keys (the signing
 * platforms are SHA256-ECDSA); re-import (`CertificateArn`), tags and certificate chains are not kept.
 */
import { EngineError } from '../../../core/index.js';
import type { SignerService } from '../../../signer/index.js';
import { serviceError, type AwsService } from '../protocols/index.js';
import { acmModel } from './acm-model.js';

export type AcmPort = Pick<SignerService, 'importCertificate' | 'certificatePem'>;

const ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;

export function acmService(certificates: AcmPort): AwsService {
  return {
    title: 'AWS Certificate Manager',
    model: acmModel,
    operations: {
      ImportCertificate: async (input: { CertificateArn?: string; Certificate: Buffer; PrivateKey: Buffer }) => {
        if (input.CertificateArn !== undefined) throw serviceError('ValidationException', 'Thingbench does not re-import certificates: import it as a new certificate');
        return { CertificateArn: await certificates.importCertificate(input.Certificate.toString('utf8'), input.PrivateKey.toString('utf8')) };
      },
      GetCertificate: (input: { CertificateArn: string }) => {
        if (!ARN.test(input.CertificateArn)) throw serviceError('InvalidArnException', `String '${input.CertificateArn}' is not a valid ARN`);
        try {
          return { Certificate: certificates.certificatePem(input.CertificateArn) };
        } catch (e) {
          if (e instanceof EngineError && e.code === 'NotFound') throw serviceError('ResourceNotFoundException', `Could not find certificate ${input.CertificateArn}.`);
          throw e;
        }
      },
    },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'ValidationException' },
  };
}
