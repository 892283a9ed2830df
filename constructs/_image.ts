import { ErrorScope, propError } from './_errors';

const IMAGE = /^(?:(?<registry>[a-zA-Z0-9.-]+(?::\d+)?)\/)?(?<path>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** A container image reference pinned by tag or digest. */
export interface PinnedImage {
  readonly reference: string;
  readonly tag?: string;
  readonly digest?: string;
  /** A value for `app.kubernetes.io/version`: the tag, else a short form of the digest. */
  readonly versionLabel: string;
}

/** Parses an image reference; throws unless it is pinned by a tag other than `latest` or by a digest. */
export function pinnedImage(scope: ErrorScope, field: string, reference: string): PinnedImage {
  const m = typeof reference === 'string' ? IMAGE.exec(reference) : null;
  const tag = m?.groups?.tag;
  const digest = m?.groups?.digest;
  if (!m || (!tag && !digest) || tag === 'latest') {
    throw propError(scope, field, reference, 'an image reference pinned by tag or digest (not :latest), such as "jaegertracing/jaeger:2.13.0"');
  }
  const versionLabel = tag && tag.length <= 63 ? tag : `sha256-${(digest ?? '').slice(7, 19)}`;
  return { reference, tag, digest, versionLabel };
}
