/** Certificates, policies and policy denials as the UI sees them (the AWS shapes are at the HTTP edge). */

export interface CertificateSummary {
  id: string;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE' | 'PENDING_ACTIVATION';
  /** Registered CA that signed it; null for the local root CA. */
  caCertificateId: string | null;
  subject: string;
  validTo: number;
  createdAt: number;
  /** Policy names attached to the certificate. */
  policies: string[];
  /** Names of the things the certificate is attached to. */
  things: string[];
}

export interface PolicySummary {
  name: string;
  arn: string;
  defaultVersion: string;
  /** The default version's document (JSON text). */
  document: string;
  targets: string[];
}

/** One denied action, with why: what the UI shows for "why was this denied?". */
export interface PolicyDenial {
  time: number;
  clientId: string;
  certificateId?: string;
  action: string;
  resource: string;
  /** `explicitDeny`: a Deny statement matched; `implicitDeny`: no Allow statement matched. */
  kind: 'explicitDeny' | 'implicitDeny';
  /**
   * The Deny statement that decided (policy, version, index in `Statement`), for explicit denials, with the
   * statement as the policy document has it (JSON text; absent once that policy version is deleted).
   */
  statement?: { policy: string; version: string; index: number; text?: string };
  /** Policy variables read while deciding, with their values (null: could not be resolved). */
  variables: Record<string, string | string[] | null>;
  reason: string;
}

/** A certificate made by `security.createCertificate`: the only time its private key is available. */
export interface CreatedCertificate {
  id: string;
  arn: string;
  certificatePem: string;
  publicKey: string;
  privateKey: string;
}

/** The statuses UpdateCertificate may set. */
export type CertificateNewStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED';

export type AuthorizationAction = 'iot:Connect' | 'iot:Publish' | 'iot:Subscribe' | 'iot:Receive';

/** "Would this be allowed?": IoT TestAuthorization's question, asked of the same evaluator the broker uses. */
export interface AuthorizationQuestion {
  /** A certificate ARN or id, or a thing group ARN; absent: only `policiesToAdd` are evaluated. */
  principal?: string;
  /** The MQTT client id (`iot:ClientId`); a thing attached to the certificate by this name adds its variables and groups. */
  clientId?: string;
  /** 1 to 10 actions, each with the resources (ARNs) it acts on. */
  checks: Array<{ action: AuthorizationAction; resources: string[] }>;
  policiesToAdd?: string[];
  policiesToSkip?: string[];
}

export interface AuthorizationAnswer {
  action: AuthorizationAction;
  resources: string[];
  decision: 'ALLOWED' | 'EXPLICIT_DENY' | 'IMPLICIT_DENY';
  /** Policies with a matching Allow, with a matching Deny, and with neither. */
  allowed: string[];
  explicitDeny: string[];
  implicitDeny: string[];
  /** Policy variables a statement needed that the question could not supply. */
  missingContextValues: string[];
  /** The statement that decided (absent for IMPLICIT_DENY), with its text as the policy version has it. */
  deciding?: { policy: string; version: string; index: number; effect: 'Allow' | 'Deny'; resource: string; text?: string };
}

/** One version of a policy (ListPolicyVersions with each version's document). */
export interface PolicyVersionInfo {
  versionId: string;
  isDefault: boolean;
  createdAt: number;
  /** The version's document (JSON text). */
  document: string;
}

/** AWS's RegistrationConfig of a CA certificate (JITR / JITP): stored and returned; the template is not run here. */
export interface CaRegistrationConfig {
  templateBody?: string;
  roleArn?: string;
  templateName?: string;
}

export interface CaCertificateSummary {
  id: string;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  /** ENABLE: a device certificate this CA signed is registered as PENDING_ACTIVATION on its first connection (JITR). */
  autoRegistration: 'ENABLE' | 'DISABLE';
  registrationConfig: CaRegistrationConfig | null;
  subject: string;
  validTo: number;
  createdAt: number;
  /** How many registered device certificates it signed. */
  certificates: number;
}

/** RegisterCACertificate: DEFAULT mode needs a verification certificate whose CN is the registration code. */
export interface CaCertificateInput {
  caCertificatePem: string;
  verificationCertificatePem?: string;
  certificateMode?: 'DEFAULT' | 'SNI_ONLY';
  setAsActive?: boolean;
  allowAutoRegistration?: boolean;
  registrationConfig?: CaRegistrationConfig;
}

/** UpdateCACertificate: what is left out stays as it is. */
export interface CaCertificateUpdate {
  status?: 'ACTIVE' | 'INACTIVE';
  autoRegistration?: 'ENABLE' | 'DISABLE';
  registrationConfig?: CaRegistrationConfig;
}
