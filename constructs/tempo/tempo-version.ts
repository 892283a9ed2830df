/**
 * The Tempo release line a deployment renders its configuration for. Tempo 2 and Tempo 3 read
 * different configuration files: 3.0 removed the `ingester` and `compactor` blocks (and refuses
 * them), 2.x has no `live_store`.
 */
export enum TempoVersion {
  /** Tempo 3.0: monolithic and microservices mode (configuration keys of v3.0.3). */
  TEMPO_3 = 'tempo-3',
  /**
   * Tempo 2.8: monolithic mode only (`target: all`: distributor, ingester, querier,
   * query-frontend, compactor and metrics-generator in one process). The configuration is that
   * of the Tempo build the test suite runs: commit 87c2dc3 of grafana/tempo main, just after
   * v2.8.0-rc.0 (module pseudo-version v1.5.1-0.20250529124718-87c2dc380cec).
   */
  TEMPO_2 = 'tempo-2',
}

/**
 * The Tempo 2 build this library proves (`tempo -version`: 2.8.0-pre-87c2dc3): grafana/tempo
 * commit 87c2dc380cec on main, after v2.8.0-rc.0 and first released in v2.9.0.
 */
export const TEMPO_2_VERSION = '2.8.0-pre-87c2dc3';

/**
 * The default image of {@link TempoVersion.TEMPO_2}: Grafana's CI image of that very commit
 * (tag `main-<7-character sha>`, as grafana/tempo's `tools/image-tag` names main builds).
 * Set `image` to a release (`grafana/tempo:2.8.2`, say) to run a released 2.x instead.
 */
export const TEMPO_2_IMAGE = 'grafana/tempo:main-87c2dc3';
