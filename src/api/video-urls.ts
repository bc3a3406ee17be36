// A delivered job's `Video` as clients see it: the row keeps object keys (the clip's, its poster's and
// spritesheet's); each read signs fresh expiring URLs for them: the store's own presigned URL when it has
// one (S3), else one the API signs and serves at /files/. All three expire together.
import type { GraphQLContext } from "./context.js";

interface StoredImage { key: string; [field: string]: unknown }
interface StoredVideo { key: string; poster?: StoredImage; spritesheet?: StoredImage; [field: string]: unknown }

/** `jobId`: the API-signed URLs name their job, so they answer 410 once its outputs are removed (src/removal). */
export async function signedVideo(stored: unknown, services: GraphQLContext["services"], jobId?: string): Promise<Record<string, unknown> | null> {
  const video = stored as StoredVideo | null;
  if (!video?.key) return null;
  const { store, signer, config } = services;
  const sign = (key: string) => (store.presign ? store.presign(key, config.delivery.urlTtlSeconds) : Promise.resolve(signer.sign(key, Date.now(), jobId)));
  const { url, expiresAt } = await sign(video.key);
  // Clips delivered before variants existed have neither: the fields read null.
  const { poster, spritesheet, ...clip } = video;
  const signedPoster = poster?.key ? { ...poster, url: (await sign(poster.key)).url } : null;
  const signedSheet = spritesheet?.key ? { ...spritesheet, url: (await sign(spritesheet.key)).url } : null;
  return { ...clip, url, expiresAt, posterUrl: signedPoster?.url ?? null, poster: signedPoster, spritesheet: signedSheet };
}
