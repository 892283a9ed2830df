import { describeJaegerOverSearchServer } from '../_support/jaeger-over-search-server';
import { SEARCH_SERVERS } from '../_support/search-server';

describeJaegerOverSearchServer(SEARCH_SERVERS.opensearch, { killCollector: true, tlsAndBasicAuth: true });
