// Every operation the studio sends. Kept small: the API limits depth and cost per operation.
const JOB_FIELDS = `id status stage prompt resolution durationSeconds createdAt width height fps seed stepBudget
  stepsCompleted queuePosition etaSeconds finishedAt deletedAt error { code message }
  video { url expiresAt width height frames fps bytes provenance { state issuer signedAt claimGenerator actions } posterUrl }`;

export const ME = `query Me { me { id name tier role limits { maxResolution resolutions minDurationSeconds maxDurationSeconds stepBudget } } }`;

export const JOB = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

/** The owner's view of a job's life: events without worker ids or rule details (the API leaves them out). */
export const JOB_TIMELINE = `query JobTimeline($id: ID!) { job(id: $id) { id status timeInSystemSeconds
  timeline { at kind attempt stage message durationSeconds step }
  attemptHistory { number startedAt endedAt outcome errorCode stepsCompleted } } }`;

export const JOBS = `query Jobs($first: Int!, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    nodes { id status stage prompt resolution durationSeconds createdAt deletedAt video { posterUrl } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const GENERATE = `mutation Generate($input: GenerateVideoInput!) {
  generateVideo(input: $input) { job { id status } userErrors { code message field } }
}`;

export const CANCEL = `mutation Cancel($id: ID!) { cancelJob(id: $id) { job { id status } userErrors { code message field } } }`;

export const DELETE_JOB = `mutation DeleteJob($id: ID!) { deleteJob(id: $id) { job { id status deletedAt } userErrors { code message field } } }`;

export const PROGRESS = `subscription Progress($id: ID!) {
  jobProgress(id: $id) { status stage queuePosition step totalSteps etaSeconds previewUrl }
}`;

export const MODEL = `query Model { model { name version examplePrompts } }`;
