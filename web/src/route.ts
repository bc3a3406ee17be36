// Hash routes, so the server only ever serves index.html: #/ (create), #/history, #/jobs/<id>, and for
// staff #/support (job search) and #/support/jobs/<id> (a job's timeline and actions).
import { useEffect, useState } from "react";

export type Route = { page: "create" } | { page: "history" } | { page: "job"; id: string }
  | { page: "support" } | { page: "support-job"; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  if (path === "/history") return { page: "history" };
  if (path === "/support") return { page: "support" };
  const staffJob = /^\/support\/jobs\/([^/]+)$/.exec(path);
  if (staffJob?.[1]) return { page: "support-job", id: decodeURIComponent(staffJob[1]) };
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job?.[1]) return { page: "job", id: decodeURIComponent(job[1]) };
  return { page: "create" };
}

export const href = {
  create: "#/",
  history: "#/history",
  job: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
  support: "#/support",
  supportJob: (id: string) => `#/support/jobs/${encodeURIComponent(id)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}
