import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * A single-node Elasticsearch 8 on 127.0.0.1, for tests (scripts/programs/search-servers.sh builds it):
 *
 *   Elasticsearch8Server --http-port <port> --transport-port <port> --dir <directory>
 *
 * The server keeps its data in <directory>/data and its logs in <directory>/logs, so a second run
 * with the same directory finds the indices of the first. It prints
 * "search-server: ready http://127.0.0.1:<port>" once it serves HTTP and stops on SIGTERM.
 * Elasticsearch 8 loads its modules as plugin bundles, each in a module layer of its own: the
 * server jars are on the module path (with everything on the class path it fails in
 * PluginsLoader) and the system property search-server.modules names the directory of bundles,
 * which the launcher made: transport-netty4 (HTTP and transport, with netty and the descriptor
 * from its jar) and search-server (searchserver.SearchServerPlugin: GET and HEAD /, since the
 * distribution's rest-root module is not on Maven Central, and index creation dates for tests). None of the distribution's other
 * modules (analysis-common, painless, x-pack: no security, plain HTTP, no authentication).
 */
public final class Elasticsearch8Server {
  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    Path dir = Path.of(options.get("--dir")).toAbsolutePath();
    Path home = dir.resolve("home");
    for (Path p : List.of(home.resolve("config"), home.resolve("plugins"), dir.resolve("data"), dir.resolve("logs"))) {
      Files.createDirectories(p);
    }
    Path modules = Path.of(System.getProperty("search-server.modules")).toAbsolutePath();
    if (!Files.exists(home.resolve("modules"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(home.resolve("modules"), modules);
    }
    Settings settings = Settings.builder()
        .put("path.home", home.toString())
        .put("path.data", dir.resolve("data").toString())
        .put("path.logs", dir.resolve("logs").toString())
        .put("cluster.name", "search-server")
        .put("node.name", "search-server-0")
        .put("discovery.type", "single-node")
        .put("network.host", "127.0.0.1")
        .put("http.port", options.get("--http-port"))
        .put("transport.port", options.get("--transport-port"))
        .put("http.type", "netty4")
        .put("transport.type", "netty4")
        .put("bootstrap.memory_lock", false)
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .build();
    LogConfigurator.configureWithoutConfig(settings);
    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "search-server-0");
    PluginsLoader plugins = PluginsLoader.createPluginsLoader(
        PluginsLoader.loadModulesBundles(environment.modulesDir()), PluginsLoader.loadPluginsBundles(environment.pluginsDir()), Map.of());
    Node node = new Node(environment, plugins);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
      stopped.countDown();
    }, "search-server-shutdown"));
    node.start();
    System.out.println("search-server: ready http://127.0.0.1:" + options.get("--http-port"));
    stopped.await();
  }

  private static Map<String, String> parse(String[] args) {
    List<String> names = List.of("--http-port", "--transport-port", "--dir");
    java.util.HashMap<String, String> options = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!names.contains(args[i])) usage("unknown option " + args[i]);
      options.put(args[i], args[i + 1]);
    }
    if (args.length % 2 != 0 || !options.keySet().containsAll(names)) usage("missing options");
    return options;
  }

  private static void usage(String problem) {
    System.err.println("search-server: " + problem + "\nusage: search-server --http-port <port> --transport-port <port> --dir <directory>");
    System.exit(2);
  }
}
