import { ProvisioningRejection, stringMap } from './provisioning-messages.js';

/** What running a local function gives back (engine/functions `FunctionResult`). */
export type HookResult = { ok: true; result: unknown } | { ok: false; error: string };

/** The local Lambda functions, as the hook needs them. */
export interface HookFunctions {
  /** A function ARN or name → its name (throws when it is neither). */
  resolveName(ref: string): string;
  invoke(name: string, event: unknown): Promise<HookResult>;
}

/** AWS's pre-provisioning hook input [DG:pre-provisioning-hook]. */
export interface HookInput {
  claimCertificateId: string;
  certificateId: string;
  certificatePem: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

/**
 * Runs a template's pre-provisioning hook (a local Lambda function) and returns the parameters to provision with:
 * the device's, with the hook's `parameterOverrides` applied. Provisioning goes on only when the function returns
 * `"allowProvisioning": true`; a refusal, a function that fails or cannot be found, or an answer without it rejects
 * RegisterThing.
 */
export async function runPreProvisioningHook(functions: HookFunctions, targetArn: string, input: HookInput): Promise<Record<string, string>> {
  let name: string;
  try {
    name = functions.resolveName(targetArn);
  } catch {
    throw hookFailed(`the pre-provisioning hook ${targetArn} is not a Lambda function ARN`);
  }
  const r = await functions.invoke(name, input);
  if (!r.ok) throw hookFailed(`the pre-provisioning hook ${name} failed: ${r.error}`);
  let answer = r.result;
  if (typeof answer === 'string') {
    try {
      answer = JSON.parse(answer);
    } catch {
      // not JSON: no allowProvisioning
    }
  }
  const doc = answer && typeof answer === 'object' && !Array.isArray(answer) ? (answer as Record<string, unknown>) : {};
  if (doc.allowProvisioning !== true) {
    throw new ProvisioningRejection(403, 'AccessDenied', doc.allowProvisioning === false
      ? `The pre-provisioning hook ${name} did not allow provisioning`
      : `The pre-provisioning hook ${name} did not return "allowProvisioning": true`);
  }
  let overrides: Record<string, string>;
  try {
    overrides = stringMap(doc.parameterOverrides, 'parameterOverrides');
  } catch {
    throw hookFailed(`the pre-provisioning hook ${name} returned parameterOverrides that are not an object of strings`);
  }
  return { ...input.parameters, ...overrides };
}

function hookFailed(message: string): ProvisioningRejection {
  return new ProvisioningRejection(500, 'InternalError', message.charAt(0).toUpperCase() + message.slice(1));
}
