import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * The test suite's Apache Kafka: one process that is both the KRaft controller and the broker,
 * on 127.0.0.1, with its data in a directory of the caller's. Written for tests, not production.
 *
 * <pre>
 * kafka-server serve --dir DIR --port PORT --controller-port PORT
 *     Formats DIR/data on first use (a new cluster id), then runs Kafka until SIGTERM. Run it
 *     again on the same DIR and ports to restart the same cluster with its data.
 * kafka-server create-topic --bootstrap HOST:PORT --topic NAME --partitions N
 *     Creates the topic (replication factor 1) and waits until every partition has a leader.
 * kafka-server offsets --bootstrap HOST:PORT --topic NAME [--group ID]
 *     Prints {"partitions":N,"end":E,"committed":C}: the sum of the partitions' end offsets and of
 *     the group's committed offsets (-1 without a group).
 * </pre>
 */
public final class KafkaServer {
  private KafkaServer() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (ExecutionException e) {
      // An admin request failed: one line, not a stack trace (TopicExistsException, UnknownTopicOrPartitionException...).
      System.err.println("kafka-server: " + args[0] + " failed: " + e.getCause());
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length == 0) usage("no command");
    Map<String, String> opts = options(args);
    switch (args[0]) {
      case "serve":
        serve(Path.of(required(opts, "dir")), port(opts, "port"), port(opts, "controller-port"));
        break;
      case "create-topic":
        createTopic(required(opts, "bootstrap"), required(opts, "topic"), Integer.parseInt(required(opts, "partitions")));
        break;
      case "offsets":
        offsets(required(opts, "bootstrap"), required(opts, "topic"), opts.get("group"));
        break;
      default:
        usage("unknown command " + args[0]);
    }
  }

  private static void serve(Path dir, int port, int controllerPort) throws IOException {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", data.toString());
    // Topics exist only when a test creates them, as with a managed topic in production.
    p.put("auto.create.topics.enable", "false");
    p.put("num.partitions", "1");
    // One broker: the internal topics have one replica and one partition (faster to create).
    for (String topic : List.of("offsets.topic", "transaction.state.log", "share.coordinator.state.topic")) {
      p.put(topic + ".replication.factor", "1");
      p.put(topic + ".num.partitions", "1");
    }
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    Path config = dir.resolve("server.properties");
    StringBuilder text = new StringBuilder();
    p.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    Files.writeString(config, text.toString(), StandardCharsets.UTF_8);

    if (!Files.exists(data.resolve("meta.properties"))) {
      String clusterId = Uuid.randomUuid().toString();
      int status = kafka.tools.StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", config.toString()}, System.out);
      if (status != 0) {
        System.err.println("kafka-server: formatting " + data + " failed (" + status + ")");
        System.exit(1);
      }
      System.out.println("kafka-server: formatted " + data + " (cluster " + clusterId + ")");
    }
    System.out.println("kafka-server: starting Kafka on 127.0.0.1:" + port + " (controller 127.0.0.1:" + controllerPort + ")");
    System.out.flush();
    kafka.Kafka.main(new String[] {config.toString()});
  }

  private static Admin admin(String bootstrap) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(props);
  }

  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        if (d.partitions().size() == partitions && d.partitions().stream().allMatch(i -> i.leader() != null && !i.leader().isEmpty())) break;
        if (System.nanoTime() > deadline) throw new IllegalStateException("partitions of " + topic + " have no leader after 30 s: " + d);
        Thread.sleep(100);
      }
    }
    System.out.println("kafka-server: created topic " + topic + " with " + partitions + " partition(s)");
  }

  private static void offsets(String bootstrap, String topic, String group) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      List<TopicPartition> partitions = new ArrayList<>();
      for (TopicPartitionInfo i : d.partitions()) partitions.add(new TopicPartition(topic, i.partition()));
      Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
      long end = ends.values().stream().mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
      long committed = -1;
      if (group != null) {
        Map<TopicPartition, OffsetAndMetadata> c = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        committed = partitions.stream().map(c::get).filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
      }
      System.out.println("{\"partitions\":" + partitions.size() + ",\"end\":" + end + ",\"committed\":" + committed + "}");
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) usage("expected --name value pairs, got " + args[i]);
      opts.put(args[i].substring(2), args[i + 1]);
    }
    return opts;
  }

  private static String required(Map<String, String> opts, String name) {
    String v = opts.get(name);
    if (v == null) usage("missing --" + name);
    return v;
  }

  private static int port(Map<String, String> opts, String name) {
    int port = Integer.parseInt(required(opts, name));
    if (port < 1 || port > 65535) usage("--" + name + " must be a port, got " + port);
    return port;
  }

  private static void usage(String problem) {
    PrintStream err = System.err;
    err.println("kafka-server: " + problem);
    err.println("usage: kafka-server serve --dir DIR --port PORT --controller-port PORT");
    err.println("       kafka-server create-topic --bootstrap HOST:PORT --topic NAME --partitions N");
    err.println("       kafka-server offsets --bootstrap HOST:PORT --topic NAME [--group ID]");
    System.exit(2);
  }
}
