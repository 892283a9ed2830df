import java.nio.file.Files;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.client.Client;
import org.opensearch.client.node.NodeClient;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.ClusterStateUpdateTask;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.metadata.Metadata;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.core.common.io.stream.NamedWriteableRegistry;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.env.Environment;
import org.opensearch.env.NodeEnvironment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.repositories.RepositoriesService;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.BytesRestResponse;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.script.ScriptService;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.Netty4Plugin;
import org.opensearch.watcher.ResourceWatcherService;

/**
 * A single-node OpenSearch on 127.0.0.1, for tests (scripts/programs/search-servers.sh builds it):
 *
 *   OpenSearchServer --http-port <port> --transport-port <port> --dir <directory>
 *
 * The server keeps its data in <directory>/data and its logs in <directory>/logs, so a second run
 * with the same directory finds the indices of the first. It prints
 * "search-server: ready http://127.0.0.1:<port>" once it serves HTTP and stops on SIGTERM.
 * Plugins are loaded from the class path (Node's protected constructor): the HTTP and transport
 * layer (Netty4), the common analyzers and Painless, which OpenSearch's own distribution has as
 * modules, and CreationDatePlugin below (for tests of index maintenance). No security plugin:
 * plain HTTP, no authentication.
 */
public final class OpenSearchServer {
  /** Node's protected constructor takes plugin classes from the class path (private index settings forbidden, as in the distribution). */
  static final class ClasspathNode extends Node {
    ClasspathNode(Environment environment) {
      super(environment, List.of(CreationDatePlugin.class, Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class), true);
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
