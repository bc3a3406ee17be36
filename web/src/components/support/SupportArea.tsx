// The Support area, for SUPPORT and ADMIN keys: job search across accounts, and a job's timeline with the
// audited actions. The header shows its link to staff only; the API refuses its fields to USER keys anyway.
import type { Route } from "../../route";
import { useSession } from "../../session";
import { isStaff } from "../../types";
import { Notice } from "../Notice";
import { JobSearch } from "./JobSearch";
import { StaffJobPage } from "./StaffJobPage";

export function SupportArea({ route }: { route: Extract<Route, { page: "support" | "support-job" }> }) {
  const { me } = useSession();
  if (!isStaff(me)) {
    return <Notice kind="error" title="Support is for staff keys">
      <p>This key's account is not a support or admin account.</p>
    </Notice>;
  }
  return route.page === "support" ? <JobSearch /> : <StaffJobPage key={route.id} id={route.id} />;
}
