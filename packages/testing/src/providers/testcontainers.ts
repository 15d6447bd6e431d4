import { existsSync } from 'node:fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestInfra } from '../infra.js';
import { freePort } from '../ports.js';

/** Images matching what deploy/local runs: Postgres 15+, Kafka 4.x KRaft, MinIO, Mailpit. */
const IMAGES = {
  postgres: 'postgres:16-alpine',
  kafka: 'apache/kafka:4.1.1',
  minio: 'minio/minio:RELEASE.2025-09-07T16-13-09Z',
  mailpit: 'axllent/mailpit:v1.33.1',
};
/** Mailpit's ports inside its container (SMTP, HTTP API). */
const MAILPIT_SMTP = 1025;
const MAILPIT_HTTP = 8025;

/**
 * True when a Docker-API engine answers. Without a socket or DOCKER_HOST this returns at once,
 * without loading testcontainers.
 */
export async function dockerAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 10_000)),
    ]);
    return Boolean(client);
  } catch {
    return false;
  }
}

/** A running set of containers and the way to stop them. */
export interface ContainerInfra {
  infra: TestInfra;
  stop: () => Promise<void>;
}

/** Postgres, Kafka, MinIO and Mailpit in containers, stopped at the end of the run. */
export async function containerInfra(): Promise<ContainerInfra> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { MinioContainer } = await import('@testcontainers/minio');

  // Kafka advertises the address clients must use, so its host port is chosen before it starts.
  const kafkaPort = await freePort();
  const [postgres, kafka, minio, mailpit] = await Promise.all([
    new PostgreSqlContainer(IMAGES.postgres).start(),
    new GenericContainer(IMAGES.kafka)
      .withExposedPorts({ container: kafkaPort, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${kafkaPort},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
    new MinioContainer(IMAGES.minio).start(),
    new GenericContainer(IMAGES.mailpit)
      .withExposedPorts(MAILPIT_SMTP, MAILPIT_HTTP)
      .withEnvironment({ MP_SMTP_AUTH_ACCEPT_ANY: 'true', MP_SMTP_AUTH_ALLOW_INSECURE: 'true' })
      .withWaitStrategy(Wait.forHttp('/readyz', MAILPIT_HTTP))
      .start(),
  ]);

  const s3 = {
    endpoint: minio.getConnectionUrl(),
    region: 'us-east-1',
    accessKeyId: minio.getUsername(),
    secretAccessKey: minio.getPassword(),
    bucket: 'huedb',
  };
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: s3.bucket }));
  client.destroy();

  return {
    infra: {
      provider: 'testcontainers',
      postgresUrl: postgres.getConnectionUri(),
      kafkaBrokers: [`localhost:${kafkaPort}`],
      s3,
      mail: {
        smtpUrl: `smtp://${mailpit.getHost()}:${mailpit.getMappedPort(MAILPIT_SMTP)}`,
        apiUrl: `http://${mailpit.getHost()}:${mailpit.getMappedPort(MAILPIT_HTTP)}`,
      },
    },
    stop: async () => {
      await Promise.all([postgres.stop(), kafka.stop(), minio.stop(), mailpit.stop()]);
    },
  };
}
