/**
 * How an AWS service plugs into the engine's one HTTP endpoint (SQS, SNS, CloudWatch Logs, IAM, STS; Lambda and IoT
 * are REST and use the route table).
 *
 * 1. Its model is generated from the SDK client: add it to `clients` in generate.mjs, run
 *    `node engine/api/http/protocols/generate.mjs`, commit `models/<service>.ts`.
 * 2. Its edge (`engine/api/http/<service>/`) exports one `AwsService`, a plain object:
 *
 *      export const sqsService = (queues: QueuePort): AwsService => ({
 *        model: sqsModel,                       // signing name, version, XML namespace, target prefix, shapes, errors
 *        protocols: ['json', 'query'],          // default: the model's own protocol
 *        operations: {                          // input/output members named as in the SDK (the JSON shape)
 *          CreateQueue: (input, ctx) => ({ QueueUrl: `${ctx.endpoint}/000000000000/${input.QueueName}` }),
 *          GetQueueUrl: getQueueUrl(queues),    // one file per operation or small group
 *        },
 *        errors: { NotFound: 'QueueDoesNotExist' },     // EngineError code → modeled error (optional)
 *        validationError: (p) => serviceError('MissingParameter', `The request must contain the parameter ${p.member}.`),
 *      });
 *
 *    Handlers get decoded input (timestamps `Date`, blobs `Buffer`; required members already checked) and return the
 *    output members (timestamps as `Date`); the protocol encodes JSON or XML (flattened lists, maps, xmlNames) from
 *    the model. To refuse, `throw serviceError('QueueDoesNotExist', 'The specified queue does not exist.')`: a
 *    modeled error takes its HTTP status, query code and fault from the model; a common one (`InvalidParameterValue`)
 *    takes `{ status, fault, queryCode }` (default 400, Sender). Domain `EngineError`s map through `errors`.
 * 3. It is registered in `engine.ts`: `new HttpApiService({ …, services: [stsService(…), iamService(…), …] })`.
 *
 * Routing (router.ts): `X-Amz-Target` → awsJson by target prefix; a form-encoded POST → the query service named by
 * the SigV4 credential scope; otherwise the REST route table. Unknown or unimplemented operations answer
 * `UnknownOperationException` (JSON) / `InvalidAction` (query); unsigned query requests `MissingAuthenticationToken`.
 *
 * LIMITATIONS: no `Version` check on query requests; members not in the model are dropped from input and output;
 * input constraints beyond "required" and "of its type" (lengths, patterns, ranges) are each handler's to check.
 */
export type { ServiceModel, MemberRef, Shape, ModeledError } from './model.js';
export {
  ServiceError, serviceError, validationMessage,
  type AwsService, type OperationContext, type OperationHandler, type ServiceErrorSpec, type ServiceErrorTable, type ValidationProblem,
} from './service.js';
export { ServiceRouter, credentialScope, type CredentialScope } from './router.js';
export { decodeQueryInput, encodeQueryResponse, encodeQueryError, escapeXml } from './query.js';
export { decodeJsonInput, encodeJsonOutput, encodeJsonError } from './json.js';
export { stsModel } from './models/sts.js';
export { iamModel } from './models/iam.js';
export { snsModel } from './models/sns.js';
export { sqsModel } from './models/sqs.js';
export { logsModel } from './models/logs.js';
export { lambdaModel } from './models/lambda.js';
export { dynamodbModel } from './models/dynamodb.js';
export { dynamodbstreamsModel } from './models/dynamodbstreams.js';
export { kinesisModel } from './models/kinesis.js';
export { firehoseModel } from './models/firehose.js';
export { cloudwatchModel } from './models/cloudwatch.js';
