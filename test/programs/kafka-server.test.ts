import { describeWithProgram } from '../_support/programs';
import { KAFKA_SERVER, KAFKA_VERSION, KafkaServer, startKafka } from '../_support/kafka-server';

const [describeKafka, kafkaBin] = describeWithProgram(KAFKA_SERVER);

describeKafka(`the Kafka ${KAFKA_VERSION} harness (test/_support/kafka-server.ts)`, () => {
  let kafka: KafkaServer | undefined;

  beforeAll(async () => {
    kafka = await startKafka(kafkaBin);
    process.stdout.write(`kafka ${KAFKA_VERSION} (KRaft, one node) started in ${(kafka.startMs / 1000).toFixed(1)} s\n`);
  }, 120_000);

  afterAll(async () => { await kafka?.stop(); });

  test('serves on loopback and creates topics with the partitions asked for', async () => {
    expect(kafka!.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    await kafka!.createTopic('harness', 3);
    expect(await kafka!.offsets('harness', 'nobody')).toStrictEqual({ partitions: 3, end: 0, committed: 0 });
  }, 60_000);

  test('fails if the topic exists already, or does not exist (the admin commands can fail)', async () => {
    await expect(kafka!.createTopic('harness', 1)).rejects.toThrow(/TopicExistsException/);
    await expect(kafka!.offsets('no-such-topic')).rejects.toThrow(/UnknownTopicOrPartitionException/);
  }, 60_000);

  test('restarts on the same data and ports: the topic is still there', async () => {
    await kafka!.stop();
    expect(kafka!.running).toBe(false);
    await kafka!.start();
    process.stdout.write(`kafka ${KAFKA_VERSION} restarted on its data in ${(kafka!.startMs / 1000).toFixed(1)} s\n`);
    expect(kafka!.running).toBe(true);
    expect(await kafka!.offsets('harness')).toStrictEqual({ partitions: 3, end: 0, committed: -1 });
  }, 120_000);
});
