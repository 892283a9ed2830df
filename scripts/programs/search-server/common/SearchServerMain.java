import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The engine-independent part of the test search servers' mains (OpenSearchServer,
 * Elasticsearch7Server, Elasticsearch8Server), compiled with each of them by
 * scripts/programs/search-servers.sh: the arguments
 *
 *   --http-port <port> --transport-port <port> --dir <directory>
 *
 * the directories (data in <directory>/data, logs in <directory>/logs, the node's home in
 * <directory>/home), the node settings every engine gets, and running the node until SIGTERM,
 * printing "search-server: ready http://127.0.0.1:<port>" once it serves HTTP. The node itself
 * (org.opensearch or org.elasticsearch classes) is each engine's main's own.
 */
final class SearchServerMain {
  /** Starting or closing the node of one engine (its Node's start and close). */
  interface NodeAction {
    void run() throws Exception;
  }

  /** The node's name (node.name, and what names the node before its settings are read). */
  static final String NODE_NAME = "search-server-0";

  final Path dir;
  final Path home;
  final String httpPort;
  final String transportPort;

  private SearchServerMain(Map<String, String> options) {
    dir = Path.of(options.get("--dir")).toAbsolutePath();
    home = dir.resolve("home");
    httpPort = options.get("--http-port");
    transportPort = options.get("--transport-port");
  }

  /** The options of the command line; exits with the usage (status 2) when they are wrong. */
  static SearchServerMain parse(String[] args) {
    List<String> names = List.of("--http-port", "--transport-port", "--dir");
    HashMap<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!names.contains(args[i])) usage("unknown option " + args[i]);
      options.put(args[i], args[i + 1]);
    }
    if (args.length % 2 != 0 || !options.keySet().containsAll(names)) usage("missing options");
    return new SearchServerMain(options);
  }

  private static void usage(String problem) {
    System.err.println("search-server: " + problem + "\nusage: search-server --http-port <port> --transport-port <port> --dir <directory>");
    System.exit(2);
  }

  /** Creates home/config, home/plugins, data and logs under the directory (home/modules is the engine's). */
  void createDirectories() throws Exception {
    for (Path p : List.of(home.resolve("config"), home.resolve("plugins"), dir.resolve("data"), dir.resolve("logs"))) {
      Files.createDirectories(p);
    }
  }

  /** The node settings of every engine: a single node named search-server-0 on 127.0.0.1, netty4 transports. */
  Map<String, String> settings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("path.home", home.toString());
    s.put("path.data", dir.resolve("data").toString());
    s.put("path.logs", dir.resolve("logs").toString());
    s.put("cluster.name", "search-server");
    s.put("node.name", NODE_NAME);
    s.put("discovery.type", "single-node");
    s.put("network.host", "127.0.0.1");
    s.put("http.port", httpPort);
    s.put("transport.port", transportPort);
    s.put("http.type", "netty4");
    s.put("transport.type", "netty4");
    s.put("bootstrap.memory_lock", "false");
    s.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    return s;
  }

  /** Starts the node, prints that it is ready and waits until SIGTERM has closed it. */
  void run(NodeAction start, NodeAction close) throws Exception {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        close.run();
      } catch (Exception e) {
        e.printStackTrace();
      }
      stopped.countDown();
    }, "search-server-shutdown"));
    start.run();
    System.out.println("search-server: ready http://127.0.0.1:" + httpPort);
    stopped.await();
  }
}
