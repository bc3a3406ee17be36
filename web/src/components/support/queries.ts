// The Support area's operations: staff reads across accounts and the audited actions (each with a reason).
// Pages are 20 jobs with a few fields each, well inside the query cost limit that holds for staff too.
export const STAFF_JOBS = `query StaffJobs($first: Int!, $after: String, $filter: StaffJobFilter) {
  staffJobs(first: $first, after: $after, filter: $filter) {
    nodes { job { id status stage tier prompt createdAt error { code } } account { id name } leaseOwner }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const STAFF_JOB = `query StaffJob($id: ID!) {
  staffJob(id: $id) {
    job { id status stage tier prompt createdAt startedAt finishedAt attempts stepsCompleted stepBudget durationSeconds resolution
      timeInSystemSeconds error { code message } }
    account { id name tier role suspendedAt suspendedReason apiKeys { id name prefix active lastUsedAt } }
    leaseOwner errorMessage maxAttempts cancelRequestedAt
    timeline { event { at kind attempt stage message durationSeconds step } workerId fencingToken detail }
    attemptHistory { attempt { number startedAt endedAt outcome errorCode stepsCompleted } workerId }
  }
}`;

const ERRORS = "userErrors { code message field }";

export const STAFF_CANCEL = `mutation StaffCancel($id: ID!, $reason: String!) { staffCancelJob(id: $id, reason: $reason) { job { job { id status } } ${ERRORS} } }`;
export const STAFF_RETRY = `mutation StaffRetry($id: ID!, $reason: String!) { staffRetryJob(id: $id, reason: $reason) { job { job { id status } } ${ERRORS} } }`;
export const STAFF_REVOKE_KEY = `mutation StaffRevokeKey($id: ID!, $reason: String!) { staffRevokeApiKey(id: $id, reason: $reason) { apiKey { id active } ${ERRORS} } }`;
export const SUSPEND = `mutation Suspend($accountId: ID!, $reason: String!) { suspendAccount(accountId: $accountId, reason: $reason) { cancelledJobs ${ERRORS} } }`;
export const REACTIVATE = `mutation Reactivate($accountId: ID!, $reason: String!) { reactivateAccount(accountId: $accountId, reason: $reason) { ${ERRORS} } }`;
export const SET_TIER = `mutation SetTier($accountId: ID!, $tier: Tier!, $reason: String!) { setAccountTier(accountId: $accountId, tier: $tier, reason: $reason) { ${ERRORS} } }`;
