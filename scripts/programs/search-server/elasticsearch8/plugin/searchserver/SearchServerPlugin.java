package searchserver;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.lucene.util.Version;
import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.ClusterStateUpdateTask;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * REST handlers of the test Elasticsearch 8 (scripts/programs/search-servers.sh):
 *
 * - `GET /` and `HEAD /`: since 8.9 they live in the distribution's rest-root module, which is not
 *   on Maven Central, and clients such as Jaeger read the version from `GET /`. Answers what that
 *   module answers, as far as clients read it: node and cluster names, the version and the tagline.
 * - `POST /_search_server/creation_date/{index}/{millis}`: sets an existing index's creation date
 *   (`index.creation_date`), which the index API refuses to set (a private setting; the index
 *   cleaner and rollover lookback go by it), so that a test can make the indices of past days.
 *   Test servers only: it rewrites the index's metadata in the cluster state.
 */
public final class SearchServerPlugin extends Plugin implements ActionPlugin {
  private static final class RootHandler extends BaseRestHandler {
    private final Settings settings;

    RootHandler(Settings settings) {
      this.settings = settings;
    }

    @Override
    public String getName() {
      return "search_server_root";
    }

    @Override
    public List<Route> routes() {
      return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
      return channel -> {
        Build build = Build.current();
        XContentBuilder body = channel.newBuilder();
        body.startObject()
            .field("name", settings.get("node.name"))
            .field("cluster_name", settings.get("cluster.name"))
            .startObject("version")
            .field("number", build.qualifiedVersion())
            .field("build_flavor", build.flavor())
            .field("build_type", build.type().displayName())
            .field("build_hash", build.hash())
            .field("build_date", build.date())
            .field("build_snapshot", build.isSnapshot())
            .field("lucene_version", Version.LATEST.toString())
            .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
            .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
            .endObject()
            .field("tagline", "You Know, for Search")
            .endObject();
        channel.sendResponse(new RestResponse(RestStatus.OK, body));
      };
    }
  }

  private static final class CreationDateHandler extends BaseRestHandler {
    private final AtomicReference<ClusterService> clusterService;

    CreationDateHandler(AtomicReference<ClusterService> clusterService) {
      this.clusterService = clusterService;
    }

    @Override
    public String getName() {
      return "search_server_creation_date";
    }

    @Override
    public List<Route> routes() {
      return List.of(new Route(RestRequest.Method.POST, "/_search_server/creation_date/{index}/{millis}"));
    }

    @Override
    @SuppressWarnings("deprecation") // submitUnbatchedStateUpdateTask: one task, run at once, is what a test needs
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
      String index = request.param("index");
      long millis = Long.parseLong(request.param("millis"));
      return channel -> clusterService.get().submitUnbatchedStateUpdateTask("search-server creation date of " + index, new ClusterStateUpdateTask() {
        @Override
        public ClusterState execute(ClusterState current) {
          IndexMetadata metadata = current.metadata().index(index);
          if (metadata == null) throw new IllegalArgumentException("no index " + index);
          Settings changedSettings = Settings.builder().put(metadata.getSettings()).put(IndexMetadata.SETTING_CREATION_DATE, millis).build();
          IndexMetadata.Builder changed = IndexMetadata.builder(metadata).settings(changedSettings).creationDate(millis)
              .settingsVersion(metadata.getSettingsVersion() + 1);
          return ClusterState.builder(current).metadata(Metadata.builder(current.metadata()).put(changed)).build();
        }

        @Override
        public void onFailure(Exception e) {
          channel.sendResponse(new RestResponse(RestStatus.BAD_REQUEST, e.toString()));
        }

        @Override
        public void clusterStateProcessed(ClusterState oldState, ClusterState newState) {
          channel.sendResponse(new RestResponse(RestStatus.OK, "application/json", "{\"acknowledged\":true}"));
        }
      });
    }
  }

  private final Settings settings;
  private final AtomicReference<ClusterService> clusterService = new AtomicReference<>();

  public SearchServerPlugin(Settings settings) {
    this.settings = settings;
  }

  @Override
  public Collection<?> createComponents(PluginServices services) {
    clusterService.set(services.clusterService());
    return List.of();
  }

  @Override
  public Collection<RestHandler> getRestHandlers(Settings nodeSettings, NamedWriteableRegistry namedWriteableRegistry, RestController restController,
      ClusterSettings clusterSettings, IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter,
      IndexNameExpressionResolver indexNameExpressionResolver, Supplier<DiscoveryNodes> nodesInCluster, Predicate<NodeFeature> clusterSupportsFeature) {
    return List.of(new RootHandler(settings), new CreationDateHandler(clusterService));
  }
}
