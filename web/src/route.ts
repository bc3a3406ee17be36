// Hash routes, so the server only ever serves index.html: #/ (create), #/history, #/jobs/<id>.
import { useEffect, useState } from "react";

export type Route = { page: "create" } | { page: "history" } | { page: "job"; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  if (path === "/history") return { page: "history" };
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job?.[1]) return { page: "job", id: decodeURIComponent(job[1]) };
  return { page: "create" };
}

export const href = {
  create: "#/",
  history: "#/history",
  job: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
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
