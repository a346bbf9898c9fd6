/**
 * Provisioning templates and bulk registration tasks as the UI and the CLI see them (`provisioning.templates`,
 * `provisioning.template`, `provisioning.tasks`). Times are epoch ms.
 */

export type ProvisioningTemplateType = 'FLEET_PROVISIONING' | 'JITP';
export type RegistrationTaskStatus = 'InProgress' | 'Completed' | 'Failed' | 'Cancelled' | 'Cancelling';

export interface ProvisioningTemplateSummary {
  name: string;
  arn: string;
  description?: string;
  type: ProvisioningTemplateType;
  enabled: boolean;
  defaultVersionId: number;
  /** The Lambda function fleet provisioning asks before it provisions (FLEET_PROVISIONING templates only). */
  preProvisioningHook?: { targetArn: string; payloadVersion?: string };
  createdAt: number;
  updatedAt: number;
}

export interface ProvisioningTemplateDetail extends ProvisioningTemplateSummary {
  provisioningRoleArn: string;
  /** The default version's body. */
  templateBody: string;
  /** Every version, oldest first. */
  versions: Array<{ versionId: number; isDefault: boolean; createdAt: number }>;
}

export interface RegistrationTaskInfo {
  taskId: string;
  status: RegistrationTaskStatus;
  /** Why a task failed. */
  message?: string;
  successCount: number;
  failureCount: number;
  percentageProgress: number;
  inputFileBucket: string;
  inputFileKey: string;
  /** Keys of the report objects in the input bucket, once written. */
  reports: { results?: string; errors?: string };
  createdAt: number;
  updatedAt: number;
}
