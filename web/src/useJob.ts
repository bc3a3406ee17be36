// One job, kept current: read over HTTP, then followed live with `jobProgress` while it is queued or
// running (the subscription's first event is the current state, so a reload or reconnect loses
// nothing); when the socket fails, a slow poll takes over until the job finishes.
import { useCallback, useEffect, useRef, useState } from "react";
import { AuthError, describeSocketError } from "./api";
import { JOB, PROGRESS } from "./queries";
import { useSession } from "./session";
import { isActive, type Job, type Progress } from "./types";

const POLL_MS = 2_000;

export interface JobState {
  job: Job | null;
  progress: Progress | null;
  /** The latest preview image seen (events without one keep the previous). */
  previewUrl: string | null;
  loading: boolean;
  notFound: boolean;
  error: string | null;
  /** The live connection failed and the page is polling instead. */
  liveError: string | null;
  reload(): Promise<void>;
}

export function progressOf(job: Job): Progress {
  return {
    status: job.status, stage: job.stage, queuePosition: job.queuePosition, step: job.stepsCompleted,
    totalSteps: job.stepBudget, etaSeconds: job.etaSeconds, previewUrl: null,
  };
}

export function useJob(id: string): JobState {
  const { request, socket } = useSession();
  const [job, setJob] = useState<Job | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [notFound, setNotFound] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [follow, setFollow] = useState(false);
  const alive = useRef(true);

  const reload = useCallback(async () => {
    try {
      const data = await request<{ job: Job | null }>(JOB, { id });
      if (!alive.current) return;
      setError(null);
      setNotFound(!data.job);
      setJob(data.job);
      if (data.job) {
        // A live event may be further along than this read; never move the bar backwards.
        const fresh = progressOf(data.job);
        setProgress((prev) => (prev && isActive(fresh.status) && prev.step > fresh.step ? { ...fresh, step: prev.step } : fresh));
        setFollow(isActive(data.job.status));
      }
    } catch (e) {
      if (alive.current && !(e instanceof AuthError)) setError((e as Error).message);
    } finally {
      if (alive.current) setLoading(false);
    }
  }, [id, request]);

  useEffect(() => {
    alive.current = true;
    setJob(null); setProgress(null); setPreviewUrl(null); setLoading(true); setNotFound(false); setError(null); setLiveError(null); setFollow(false);
    void reload();
    return () => { alive.current = false; };
  }, [reload]);

  useEffect(() => {
    if (!follow) return;
    let done = false;
    let poll: number | undefined;
    const finish = () => { done = true; setFollow(false); void reload(); };
    const unsubscribe = socket.subscribe<{ jobProgress: Progress }>({ query: PROGRESS, variables: { id } }, {
      next: ({ data, errors }) => {
        if (errors?.length) return setLiveError(errors[0]!.message);
        const event = data?.jobProgress;
        if (!event || done) return;
        setLiveError(null);
        setProgress(event);
        if (event.previewUrl) setPreviewUrl(event.previewUrl);
        if (!isActive(event.status)) finish();
      },
      error: (e) => {
        if ((e as { code?: number } | null)?.code === 4401) return; // the session signs out
        setLiveError(describeSocketError(e));
        poll = window.setInterval(() => void reload(), POLL_MS);
      },
      complete: () => { if (!done) finish(); },
    });
    return () => {
      done = true;
      unsubscribe();
      if (poll !== undefined) window.clearInterval(poll);
    };
  }, [follow, id, socket, reload]);

  return { job, progress, previewUrl, loading, notFound, error, liveError, reload };
}
