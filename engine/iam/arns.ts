import { LOCAL_ACCOUNT_ID } from '../core/index.js';

/** `/` or `/a/b/`: IAM's path form. */
export const normalPath = (p: string | undefined) => p ?? '/';

export const roleArn = (name: string, path = '/') => `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role${path}${name}`;
export const policyArn = (name: string, path = '/') => `arn:aws:iam::${LOCAL_ACCOUNT_ID}:policy${path}${name}`;
export const assumedRoleArn = (role: string, session: string) => `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${role}/${session}`;

/** An AWS-managed policy's ARN: `arn:aws:iam::aws:policy/<path/>Name`. */
export const AWS_MANAGED = /^arn:aws:iam::aws:policy(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;
/** A customer-managed policy's ARN in the local account. */
export const LOCAL_POLICY = new RegExp(`^arn:aws:iam::${LOCAL_ACCOUNT_ID}:policy(/(?:[\\w+=,.@-]+/)*)([\\w+=,.@-]+)$`);
/** A role ARN in the local account (`arn:aws:iam::000000000000:role/NAME`, with a path when the role has one). */
export const LOCAL_ROLE = new RegExp(`^arn:aws:iam::${LOCAL_ACCOUNT_ID}:role(/(?:[\\w+=,.@-]+/)*)([\\w+=,.@-]+)$`);
