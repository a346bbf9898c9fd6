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
