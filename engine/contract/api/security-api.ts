import type {
  AuthorizationAnswer, AuthorizationQuestion, CaCertificateInput, CaCertificateSummary, CaCertificateUpdate, CertificateNewStatus,
  CertificateSummary, CreatedCertificate, PolicyDenial, PolicySummary, PolicyVersionInfo,
} from '../security-types.js';

/** Certificates, policies and the policy denials of MQTT clients with their reasons ("why was this denied?"). */
export interface SecurityApi {
  certificates(): Promise<CertificateSummary[]>;
  policies(): Promise<PolicySummary[]>;
  /** The most recent denials, oldest first (default 100; the engine keeps 500). */
  denials(limit?: number): Promise<PolicyDenial[]>;
  /**
   * "Would this be allowed?" (IoT TestAuthorization, same validation and messages): the decision per check, the
   * policies that allowed or denied, and the deciding statement. NotFound for an unknown certificate, group or policy.
   */
  testAuthorization(question: AuthorizationQuestion): Promise<AuthorizationAnswer[]>;
  /** CreateKeysAndCertificate: a key pair and a certificate signed by the engine's CA (the private key is not kept). */
  createCertificate(setAsActive?: boolean): Promise<CreatedCertificate>;
  /** UpdateCertificate: activate, deactivate or revoke (a revoked certificate stays revoked), with AWS's errors. */
  setCertificateStatus(id: string, status: CertificateNewStatus): Promise<void>;
  /** DeleteCertificate: not while ACTIVE, nor while attached to a thing; `force` detaches its policies first. */
  deleteCertificate(id: string, force?: boolean): Promise<void>;
  /**
   * CreatePolicy, or for an existing policy CreatePolicyVersion set as the default (at most 5 versions, as on AWS);
   * the document is checked with AWS's messages (MalformedPolicy as InvalidInput).
   */
  putPolicy(name: string, document: string): Promise<PolicySummary>;
  /** AttachPolicy / DetachPolicy to a certificate ARN or thing group ARN. */
  attachPolicy(policy: string, target: string): Promise<void>;
  detachPolicy(policy: string, target: string): Promise<void>;
  /** ListPolicyVersions with each version's document, newest first. */
  policyVersions(policy: string): Promise<PolicyVersionInfo[]>;
  /** SetDefaultPolicyVersion. */
  setDefaultPolicyVersion(policy: string, versionId: string): Promise<void>;
  /** DeletePolicyVersion: not the default version (Conflict, AWS's DeleteConflictException). */
  deletePolicyVersion(policy: string, versionId: string): Promise<void>;
  /** Registered CA certificates (ListCACertificates with each one's settings). */
  caCertificates(): Promise<CaCertificateSummary[]>;
  /** GetRegistrationCode: the CN a DEFAULT-mode verification certificate must carry. */
  registrationCode(): Promise<string>;
  /** RegisterCACertificate with AWS's checks (and its messages); answers the registered CA certificate. */
  registerCaCertificate(input: CaCertificateInput): Promise<CaCertificateSummary>;
  /** UpdateCACertificate: status, auto-registration (JITR) and its registration config. */
  updateCaCertificate(id: string, update: CaCertificateUpdate): Promise<void>;
  /** DeleteCACertificate: only while INACTIVE. */
  deleteCaCertificate(id: string): Promise<void>;
}
