export { ReservedTopicService } from './reserved-topic-service.js';
