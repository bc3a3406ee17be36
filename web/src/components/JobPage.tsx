import { href } from "../route";
import { JobView } from "./JobView";

export function JobPage({ id }: { id: string }) {
  return (
    <section className="job-page" aria-label="Job details">
      <p><a href={href.history}>← Back to history</a></p>
      <JobView key={id} id={id} timeline />
      <p className="muted small">Job id <code>{id}</code></p>
    </section>
  );
}
