// The subset of AWS Certificate Manager's model (awsJson 1.1, target prefix `CertificateManager`, signing name `acm`)
// that Thingbench answers: written by hand from the ACM API Reference (the ACM client of SDK v3 is not a dependency),
// in the shape generate.mjs writes for the other services.
import type { ServiceModel } from '../protocols/index.js';

export const acmModel: ServiceModel = {
  protocol: 'json1.1',
  signingName: 'acm',
  version: '2015-12-08',
  targetPrefix: 'CertificateManager',
  namespace: 'com.amazonaws.acm',
  operations: {
    ImportCertificate: { input: 'ImportCertificateRequest', output: 'ImportCertificateResponse' },
    GetCertificate: { input: 'GetCertificateRequest', output: 'GetCertificateResponse' },
  },
  shapes: {
    ImportCertificateRequest: {
      structure: {
        CertificateArn: { type: 'string' }, Certificate: { type: 'blob' }, PrivateKey: { type: 'blob' }, CertificateChain: { type: 'blob' }, Tags: { type: 'TagList' },
      },
      required: ['Certificate', 'PrivateKey'],
    },
    ImportCertificateResponse: { structure: { CertificateArn: { type: 'string' } } },
    GetCertificateRequest: { structure: { CertificateArn: { type: 'string' } }, required: ['CertificateArn'] },
    GetCertificateResponse: { structure: { Certificate: { type: 'string' }, CertificateChain: { type: 'string' } } },
    TagList: { list: { type: 'Tag' } },
    Tag: { structure: { Key: { type: 'string' }, Value: { type: 'string' } }, required: ['Key'] },
  },
  errors: {
    ValidationException: { code: 'ValidationException', status: 400, fault: 'client', members: { message: { type: 'string' } } },
    ResourceNotFoundException: { code: 'ResourceNotFoundException', status: 400, fault: 'client', members: { message: { type: 'string' } } },
    InvalidArnException: { code: 'InvalidArnException', status: 400, fault: 'client', members: { message: { type: 'string' } } },
    LimitExceededException: { code: 'LimitExceededException', status: 400, fault: 'client', members: { message: { type: 'string' } } },
  },
};
