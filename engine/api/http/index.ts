export type { DataPlaneBroker, RetainedMessage } from './data-plane-broker.js';
export {
  HttpApiServer, RouteTable, createHttpApi,
  type HttpApiOptions, type HttpHandler, type HttpRequest, type HttpResult, type Route, type RouteMatch,
} from './http-server.js';
export {
  AwsError, iotDataErrors, iotControlErrors, toAwsError, awsErrorResponse, type AwsErrorShape, type AwsErrorTable, type AwsErrorRow,
} from './aws-errors.js';
export {
  iotDataRoutes, awsIotDataLimits, publish, getRetainedMessage, listRetainedMessages,
  type IotDataLimits, type Mqtt5PublishProperties, type PublishRequest,
} from './iot-data.js';
export { iotDataShadowRoutes, type ShadowOperations } from './iot-data-shadow.js';
export { iotControlRegistryRoutes, type RegistryOperations } from './iot-control-registry.js';
export { withResourceTags, type TaggableResources } from './iot-resource-tags.js';
export { iotControlSecurityRoutes, type SecurityOperations } from './iot-control-security.js';
export { iotStreamRoutes, type StreamOperations } from './iot-streams.js';
export { iotProvisioningRoutes, type ProvisioningOperations } from './iot-provisioning.js';
export { iotFleetProvisioningRoutes, type FleetProvisioningOperations } from './iot-fleet-provisioning.js';
export { iotJobsRoutes, type JobOperations } from './iot-jobs.js';
export { iotJobsDataRoutes, iotJobsDataErrors, type JobsDataOperations } from './iot-jobs-data.js';
export { iotCommandRoutes, commandErrors, type CommandOperations } from './iot-commands.js';
export { iotControlJobTemplateRoutes } from './iot-control-job-templates.js';
export { controlRoutes, type ControlOperations } from './thingbench-control.js';
export { signerRoutes, type SignerOperations } from './signer/index.js';
export { acmService, type AcmPort } from './acm/index.js';
export { stsService } from './sts/index.js';
export { dynamodbService, type DynamoTablesPort } from './dynamodb/index.js';
export { dynamodbStreamsService, type DynamoStreamsPort } from './dynamodb-streams/index.js';
export { kinesisService, type KinesisPort } from './kinesis/index.js';
export { firehoseService, type FirehosePort } from './firehose/index.js';
export { snsService, snsLinkRoutes } from './sns/index.js';
export { sqsService } from './sqs/index.js';
export { logsService, type LogsPort } from './logs/index.js';
export { cloudwatchService, type CloudWatchPort } from './cloudwatch/index.js';
export { iamService } from './iam/index.js';
export * from './protocols/index.js';
