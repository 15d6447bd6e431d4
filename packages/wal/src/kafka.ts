/**
 * The Kafka implementation of the WriteAheadLog (a separate entry point so that single-node mode
 * never loads the Kafka client).
 */
export { KafkaWal, type KafkaWalOptions, type WalLogger } from './kafka-wal.js';
