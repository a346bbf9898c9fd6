export { dynamodbStreamsService, type DynamoStreamsPort } from './dynamodb-streams-service.js';
