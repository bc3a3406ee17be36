// The support console's saved operations: the tabs the GraphQL IDE opens with for a signed-in staff key
// (src/api/graphiql.ts). Each is a complete operation with its variables; test/graphiql-staff.test.ts
// validates every one against the schema and runs it with a SUPPORT key.

export interface ExampleOperation {
  title: string;
  query: string;
  /** JSON text for the Variables pane */
  variables: string;
}

const ACCOUNT = "00000000-0000-0000-0000-000000000000";
const JOB = "00000000-0000-0000-0000-000000000000";

export const STAFF_EXAMPLES: readonly ExampleOperation[] = [
  {
    title: "Customer's failed jobs",
    query: `# A customer's failed jobs, newest first. Find the account id by name or key prefix with
#   { staffAccounts(search: "Wren") { id name tier } }
# and put it in Variables. Next page: after: <pageInfo.endCursor>.
query CustomerFailedJobs($accountId: ID!, $after: String) {
  staffJobs(first: 20, after: $after, filter: { accountId: $accountId, status: [FAILED] }) {
    nodes {
      job { id prompt createdAt attempts error { code message } }
      errorMessage
    }
    pageInfo { hasNextPage endCursor }
  }
}
`,
    variables: JSON.stringify({ accountId: ACCOUNT }, null, 2),
  },
  {
    title: "Job timeline",
    query: `# A job's life: every event (worker, fencing token, full record) and each attempt.
query JobTimeline($id: ID!) {
  staffJob(id: $id) {
    job { id status stage prompt timeInSystemSeconds }
    account { id name tier }
    timeline {
      event { at kind attempt stage message durationSeconds step }
      workerId
      detail
    }
    attemptHistory {
      attempt { number startedAt endedAt outcome errorCode stepsCompleted }
      workerId
    }
  }
}
`,
    variables: JSON.stringify({ id: JOB }, null, 2),
  },
  {
    title: "Cancel a job",
    query: `# Cancels any queued or running job. The reason is required and kept in the audit log.
mutation CancelJob($id: ID!, $reason: String!) {
  staffCancelJob(id: $id, reason: $reason) {
    job { job { id status } cancelRequestedAt }
    userErrors { code message field }
  }
}
`,
    variables: JSON.stringify({ id: JOB, reason: "Customer asked to stop it (ticket #)" }, null, 2),
  },
  {
    title: "Suspend an account",
    query: `# Suspends an account: its keys get ACCOUNT_SUSPENDED, its queued jobs are cancelled and its
# running ones stopped. Audited with the reason. Reactivation is for admins (reactivateAccount).
mutation SuspendAccount($accountId: ID!, $reason: String!) {
  suspendAccount(accountId: $accountId, reason: $reason) {
    account { id name suspendedAt suspendedReason }
    cancelledJobs
    userErrors { code message field }
  }
}
`,
    variables: JSON.stringify({ accountId: ACCOUNT, reason: "Abuse report (ticket #)" }, null, 2),
  },
];
