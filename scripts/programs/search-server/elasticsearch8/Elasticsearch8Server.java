import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
    SearchServerMain server = SearchServerMain.parse(args);
    server.createDirectories();
    Path modules = Path.of(System.getProperty("search-server.modules")).toAbsolutePath();
    if (!Files.exists(server.home.resolve("modules"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(server.home.resolve("modules"), modules);
    }
    Settings.Builder builder = Settings.builder();
    server.settings().forEach(builder::put);
    Settings settings = builder.build();
    LogConfigurator.configureWithoutConfig(settings);
    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> SearchServerMain.NODE_NAME);
    PluginsLoader plugins = PluginsLoader.createPluginsLoader(
        PluginsLoader.loadModulesBundles(environment.modulesDir()), PluginsLoader.loadPluginsBundles(environment.pluginsDir()), Map.of());
    Node node = new Node(environment, plugins);
    server.run(node::start, node::close);
  }
}
