import java.nio.file.Files;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.elasticsearch.client.Client;
import org.elasticsearch.client.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateUpdateTask;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.env.Environment;
import org.elasticsearch.env.NodeEnvironment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.repositories.RepositoriesService;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.BytesRestResponse;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.script.ScriptService;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.Netty4Plugin;
import org.elasticsearch.watcher.ResourceWatcherService;
import org.elasticsearch.xcontent.NamedXContentRegistry;

/**
 * A single-node Elasticsearch 7 on 127.0.0.1, for tests (scripts/programs/search-servers.sh builds it):
 *
 *   Elasticsearch7Server --http-port <port> --transport-port <port> --dir <directory>
 *
 * The server keeps its data in <directory>/data and its logs in <directory>/logs, so a second run
 * with the same directory finds the indices of the first. It prints
 * "search-server: ready http://127.0.0.1:<port>" once it serves HTTP and stops on SIGTERM.
 * Plugins are loaded from the class path (Node's protected constructor): the HTTP and transport
 * layer (Netty4) and CreationDatePlugin below (for tests of index maintenance). None of the
 * distribution's other modules (analysis-common, painless, x-pack: no security, plain HTTP, no
 * authentication).
 */
public final class Elasticsearch7Server {
  /** Node's protected constructor takes plugin classes from the class path (private index settings forbidden, as in the distribution). */
  static final class ClasspathNode extends Node {
    ClasspathNode(Environment environment) {
      super(environment, List.of(CreationDatePlugin.class, Netty4Plugin.class), true);
    }
  }

  /**
   * `POST /_search_server/creation_date/{index}/{millis}`: sets an existing index's creation date
   * (`index.creation_date`), which the index API refuses to set (a private setting; the index
   * cleaner and rollover lookback go by it), so that a test can make the indices of past days.
   * Test servers only: it rewrites the index's metadata in the cluster state.
   */
  public static final class CreationDatePlugin extends Plugin implements ActionPlugin {
    private final AtomicReference<ClusterService> clusterService = new AtomicReference<>();

    @Override
    public Collection<Object> createComponents(Client client, ClusterService service, ThreadPool threadPool,
        ResourceWatcherService resourceWatcherService, ScriptService scriptService, NamedXContentRegistry xContentRegistry,
        Environment environment, NodeEnvironment nodeEnvironment, NamedWriteableRegistry namedWriteableRegistry,
        IndexNameExpressionResolver indexNameExpressionResolver, Supplier<RepositoriesService> repositoriesServiceSupplier) {
      clusterService.set(service);
      return List.of();
    }

    @Override
    public List<RestHandler> getRestHandlers(Settings settings, RestController restController, ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter, IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster) {
      return List.of(new BaseRestHandler() {
        @Override
        public String getName() {
          return "search_server_creation_date";
        }

        @Override
        public List<Route> routes() {
          return List.of(new Route(RestRequest.Method.POST, "/_search_server/creation_date/{index}/{millis}"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
          String index = request.param("index");
          long millis = Long.parseLong(request.param("millis"));
          return channel -> clusterService.get().submitStateUpdateTask("search-server creation date of " + index, new ClusterStateUpdateTask() {
            @Override
            public ClusterState execute(ClusterState current) {
              IndexMetadata metadata = current.metadata().index(index);
              if (metadata == null) throw new IllegalArgumentException("no index " + index);
              Settings settings = Settings.builder().put(metadata.getSettings()).put(IndexMetadata.SETTING_CREATION_DATE, millis).build();
              IndexMetadata.Builder changed = IndexMetadata.builder(metadata).settings(settings).settingsVersion(metadata.getSettingsVersion() + 1);
              return ClusterState.builder(current).metadata(Metadata.builder(current.metadata()).put(changed)).build();
            }

            @Override
            public void onFailure(String source, Exception e) {
              channel.sendResponse(new BytesRestResponse(RestStatus.BAD_REQUEST, e.toString()));
            }

            @Override
            public void clusterStateProcessed(String source, ClusterState oldState, ClusterState newState) {
              channel.sendResponse(new BytesRestResponse(RestStatus.OK, "application/json", "{\"acknowledged\":true}"));
            }
          });
        }
      });
    }
  }

  public static void main(String[] args) throws Exception {
    SearchServerMain server = SearchServerMain.parse(args);
    server.createDirectories();
    Files.createDirectories(server.home.resolve("modules"));
    Settings.Builder builder = Settings.builder();
    server.settings().forEach(builder::put);
    Settings settings = builder.build();
    LogConfigurator.configureWithoutConfig(settings);
    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> SearchServerMain.NODE_NAME);
    Node node = new ClasspathNode(environment);
    server.run(node::start, node::close);
  }
}
