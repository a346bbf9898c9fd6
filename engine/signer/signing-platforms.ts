/**
 * The AWS Signer platforms Thingbench signs for: the two that AWS IoT firmware updates use, both SHA-256 with ECDSA
 * (P-256). Their fields follow ListSigningPlatforms' `SigningPlatform` shape.
 *
 * LIMITATIONS: other platforms (AmazonFreeRTOS-TI-CC3220SF with SHA1-RSA, AWSLambda-SHA384-ECDSA, Notation) are not
 * offered; display names and size limits are Thingbench's own approximation of AWS's catalogue.
 */
export interface SigningPlatform {
  platformId: string;
  displayName: string;
  partner: string;
  target: string;
  category: 'AWSIoT';
  signingConfiguration: {
    encryptionAlgorithmOptions: { allowedValues: string[]; defaultValue: string };
    hashAlgorithmOptions: { allowedValues: string[]; defaultValue: string };
  };
  signingImageFormat: { supportedFormats: string[]; defaultFormat: string };
  maxSizeInMB: number;
  revocationSupported: boolean;
}

const ecdsaSha256 = {
  encryptionAlgorithmOptions: { allowedValues: ['ECDSA'], defaultValue: 'ECDSA' },
  hashAlgorithmOptions: { allowedValues: ['SHA256'], defaultValue: 'SHA256' },
};

export const signingPlatforms: readonly SigningPlatform[] = [
  {
    platformId: 'AmazonFreeRTOS-Default', displayName: 'Amazon FreeRTOS', partner: 'AmazonFreeRTOS', target: 'SHA256-ECDSA', category: 'AWSIoT',
    signingConfiguration: ecdsaSha256, signingImageFormat: { supportedFormats: ['JSONEmbedded'], defaultFormat: 'JSONEmbedded' }, maxSizeInMB: 16, revocationSupported: false,
  },
  {
    platformId: 'AWSIoTDeviceManagement-SHA256-ECDSA', displayName: 'AWS IoT Device Management SHA256-ECDSA', partner: 'AWSIoTDeviceManagement',
    target: 'SHA256-ECDSA', category: 'AWSIoT', signingConfiguration: ecdsaSha256,
    signingImageFormat: { supportedFormats: ['JSONEmbedded'], defaultFormat: 'JSONEmbedded' }, maxSizeInMB: 2048, revocationSupported: false,
  },
];

export function signingPlatform(id: string): SigningPlatform | undefined {
  return signingPlatforms.find((p) => p.platformId === id);
}
