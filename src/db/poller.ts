// A repeating check: runs `tick` every `ms` after the previous run finished (never two at once), keeps
// going when a run fails (the caller's last good state stays in force), and never holds the process open.
export interface Poller { stop(): void }

export function startPoller(ms: number, tick: () => Promise<unknown>, onError: (error: unknown) => void): Poller {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      tick().catch(onError).finally(schedule);
    }, ms);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
