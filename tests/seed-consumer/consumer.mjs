// The seed's consumer side (../shared/seed/event-driven-architecture-patterns.md, sections 1 to 3), ported from
// TypeScript to plain JavaScript with its logic unchanged: the event classes, EventFactory.createEvent (which passes
// Object.values(eventData) to a constructor by position) and RabbitMQEventBus.subscribe/deserializeEvent.
// Usage: node consumer.mjs <amqp url> <exchange> <count>. Prints "ready" once subscribed, then one JSON line per
// rebuilt event, and exits after <count> events.
import amqp from 'amqplib';
import crypto from 'node:crypto';

class DomainEvent {
  constructor(aggregateId, aggregateVersion, eventVersion = 1) {
    this.eventId = crypto.randomUUID();
    this.occurredOn = new Date();
    this.aggregateId = aggregateId;
    this.aggregateVersion = aggregateVersion;
    this.eventVersion = eventVersion;
  }
}

class UserRegisteredEvent extends DomainEvent {
  constructor(aggregateId, aggregateVersion, email, firstName, lastName, registrationSource) {
    super(aggregateId, aggregateVersion);
    Object.assign(this, { email, firstName, lastName, registrationSource });
  }
  getEventType() { return 'UserRegistered'; }
  getEventData() {
    return { email: this.email, firstName: this.firstName, lastName: this.lastName, registrationSource: this.registrationSource };
  }
}

class UserProfileUpdatedEvent extends DomainEvent {
  constructor(aggregateId, aggregateVersion, updatedFields, previousValues) {
    super(aggregateId, aggregateVersion);
    Object.assign(this, { updatedFields, previousValues });
  }
  getEventType() { return 'UserProfileUpdated'; }
  getEventData() { return { updatedFields: this.updatedFields, previousValues: this.previousValues }; }
}

class UserDeactivatedEvent extends DomainEvent {
  constructor(aggregateId, aggregateVersion, reason, deactivatedBy) {
    super(aggregateId, aggregateVersion);
    Object.assign(this, { reason, deactivatedBy });
  }
  getEventType() { return 'UserDeactivated'; }
  getEventData() { return { reason: this.reason, deactivatedBy: this.deactivatedBy }; }
}

class EventFactory {
  static eventConstructors = new Map();
  static registerEventType(eventType, constructor) { this.eventConstructors.set(eventType, constructor); }
  static createEvent(eventType, aggregateId, aggregateVersion, eventData, eventId, occurredOn) {
    const EventConstructor = this.eventConstructors.get(eventType);
    if (!EventConstructor) throw new Error(`Unknown event type: ${eventType}`);
    const event = new EventConstructor(aggregateId, aggregateVersion, ...Object.values(eventData));
    if (eventId) event.eventId = eventId;
    if (occurredOn) event.occurredOn = occurredOn;
    return event;
  }
}
EventFactory.registerEventType('UserRegistered', UserRegisteredEvent);
EventFactory.registerEventType('UserProfileUpdated', UserProfileUpdatedEvent);
EventFactory.registerEventType('UserDeactivated', UserDeactivatedEvent);

function deserializeEvent(message) {
  const data = JSON.parse(message);
  return EventFactory.createEvent(data.eventType, data.aggregateId, data.aggregateVersion, data.eventData, data.eventId,
    new Date(data.occurredOn));
}

const [url, exchange, count] = process.argv.slice(2);
const connection = await amqp.connect(url);
const channel = await connection.createChannel();
await channel.assertExchange(exchange, 'topic', { durable: true });
// subscribeToAll binds '#'. The seed names its queue after event type and handler and gives it dead-letter
// arguments; this run's queue has a name of its own and goes away with it, so the test leaves nothing behind.
const queueName = `all.seed-consumer-${crypto.randomUUID()}`;
await channel.assertQueue(queueName, { durable: true, autoDelete: true });
await channel.bindQueue(queueName, exchange, '#');
let seen = 0;
await channel.consume(queueName, async (msg) => {
  if (!msg) return;
  const event = deserializeEvent(msg.content.toString());
  console.log(JSON.stringify({
    type: event.constructor.name, eventType: event.getEventType(), eventId: event.eventId,
    aggregateId: event.aggregateId, aggregateVersion: event.aggregateVersion, data: event.getEventData(),
    messageId: msg.properties.messageId, routingKey: msg.fields.routingKey
  }));
  channel.ack(msg);
  if (++seen >= Number(count)) { await connection.close(); process.exit(0); }
}, { noAck: false });
console.log('ready');
