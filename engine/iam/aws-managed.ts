/**
 * A few AWS-managed policies that labs and tutorials attach, listed by ListPolicies (Scope=AWS) and readable with
 * GetPolicy. Any other well-formed `arn:aws:iam::aws:policy/…` ARN can be attached too (IAM is not enforced, and
 * AWS has over a thousand of them); it is then reported with what its ARN says.
 */
export interface AwsManagedPolicy {
  name: string;
  path: string;
  description: string;
}

export const awsManagedPolicies: AwsManagedPolicy[] = [
  { name: 'AdministratorAccess', path: '/', description: 'Provides full access to AWS services and resources.' },
  { name: 'ReadOnlyAccess', path: '/', description: 'Provides read-only access to AWS services and resources.' },
  { name: 'AWSLambdaBasicExecutionRole', path: '/service-role/', description: 'Provides write permissions to CloudWatch Logs.' },
  { name: 'AWSLambda_FullAccess', path: '/', description: 'Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services.' },
  { name: 'AWSLambdaSQSQueueExecutionRole', path: '/service-role/', description: 'Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.' },
  { name: 'AWSIoTFullAccess', path: '/', description: 'This policy gives full access to the AWS IoT configuration and messaging operations' },
  { name: 'AWSIoTRuleActions', path: '/service-role/', description: 'Allow access to all AWS services supported in AWS IoT Rule Actions' },
  { name: 'AWSIoTLogging', path: '/service-role/', description: 'Allows creation of Amazon CloudWatch Log groups and streaming logs to the groups' },
  { name: 'AmazonSQSFullAccess', path: '/', description: 'Provides full access to Amazon SQS via the AWS Management Console.' },
  { name: 'AmazonSNSFullAccess', path: '/', description: 'Provides full access to Amazon SNS via the AWS Management Console.' },
  { name: 'CloudWatchLogsFullAccess', path: '/', description: 'Provides full access to CloudWatch Logs' },
  { name: 'AmazonDynamoDBFullAccess', path: '/', description: 'Provides full access to Amazon DynamoDB via the AWS Management Console.' },
  { name: 'AmazonS3FullAccess', path: '/', description: 'Provides full access to all buckets via the AWS Management Console.' },
  { name: 'AmazonKinesisFullAccess', path: '/', description: 'Provides full access to all streams via the AWS Management Console.' },
];
