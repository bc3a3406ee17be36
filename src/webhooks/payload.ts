// A webhook's `data`: the job as the API shows it (schema/jobs.graphql, the Job type's fields that do
// not need a query: no queue position or ETA), from the row snapshot the outbox trigger took, with a
// fresh signed video URL made at send time (a retry hours later still carries a working link).
export type SignVideo = (key: string) => Promise<{ url: string; expiresAt: Date }>;

type Snapshot = Record<string, unknown>;

const iso = (value: unknown) => (value == null ? null : new Date(value as string).toISOString());

export async function presentJob(row: Snapshot, signVideo: SignVideo): Promise<Record<string, unknown>> {
  const video = row.video as ({ key?: string } & Record<string, unknown>) | null;
  let presentedVideo: Record<string, unknown> | null = null;
  if (video?.key) {
    const { url, expiresAt } = await signVideo(video.key);
    const { key: _key, provenance, width, height, frames, fps, bytes } = video;
    presentedVideo = { url, expiresAt: expiresAt.toISOString(), width, height, frames, fps, bytes, provenance: provenance ?? null };
  }
  const code = row.error_code as string | null;
  // As the Job resolver: an unclassified failure's text stays in the row for support.
  const error = !code ? null
    : code === "INTERNAL" ? { code, message: "The job failed because of an internal error; it has been recorded." }
      : { code, message: (row.error_message as string | null) ?? code };
  return {
    id: row.id, status: row.status, stage: row.stage, tier: row.tier, prompt: row.prompt, resolution: row.resolution,
    width: row.width, height: row.height, durationSeconds: row.duration_seconds, fps: row.fps, seed: Number(row.seed),
    stepBudget: row.step_budget, stepsCompleted: row.steps_completed, attempts: row.attempts,
    createdAt: iso(row.created_at), startedAt: iso(row.started_at), finishedAt: iso(row.finished_at),
    error, video: presentedVideo,
    cacheHit: (row.metadata as { cache?: { hit?: boolean } } | null)?.cache?.hit === true,
  };
}
