/**
 * The one local AWS account and region every ARN the engine hands out lives in (things, groups, certificates,
 * policies). A local emulator has no real account; these are fixed so ARNs are stable across restarts.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** `arn:aws:iot:{region}:{account}:{resource}`, e.g. `iotArn('thing/lamp')`. */
export function iotArn(resource: string): string {
  return `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;
}
