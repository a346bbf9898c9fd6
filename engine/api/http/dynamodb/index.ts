export { dynamodbService, type DynamoTablesPort } from './dynamodb-service.js';
