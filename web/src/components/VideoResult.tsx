// The delivered clip: a player on the signed URL, a download link and the file's facts. The player shows
// the poster (a JPEG of a few tens of kB) and loads only the MP4's index (preload metadata; the index comes
// first, faststart) for its duration, not the frames, until played.
import { useRef } from "react";
import { bytes, dateTime } from "../format";
import type { Job, Video } from "../types";

export function VideoResult({ job, video, onExpired }: { job: Job; video: Video; onExpired(): Promise<void> }) {
  // A signed URL expires (see Video.expiresAt): on a load error past that time, ask for a fresh one, once.
  const refreshed = useRef(false);
  const onError = () => {
    if (refreshed.current || Date.now() < Date.parse(video.expiresAt)) return;
    refreshed.current = true;
    void onExpired();
  };
  return (
    <section className="result" aria-label="Video">
      <video className="player" controls playsInline preload="metadata" src={video.url}
        poster={video.posterUrl ?? undefined} width={video.width} height={video.height} onError={onError} data-testid="video">
        Your browser can't play this MP4 here; use the download link below.
      </video>
      <div className="row spread">
        <p className="muted small">
          {video.width}×{video.height} · {video.frames} frames at {video.fps} fps · {bytes(video.bytes)}
        </p>
        <span className="row">
          {video.posterUrl && <a className="button secondary" href={video.posterUrl} download={`kinema-${job.id}-poster.jpg`}>Poster</a>}
          <a className="button" href={video.url} download={`kinema-${job.id}.mp4`}>Download MP4</a>
        </span>
      </div>
      <p className="muted small">The link works until {dateTime(video.expiresAt)}; open the job again for a fresh one.</p>
    </section>
  );
}
