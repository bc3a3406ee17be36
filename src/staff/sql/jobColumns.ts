// The jobs columns as JobRecord (the Prisma model the resolvers know), for the staff's raw reads. The
// checkpoint (latents, up to megabytes) is never read here: staff views do not show it.
export const JOB_COLUMNS = `j.id, j.account_id AS "accountId", j.tier, j.status, j.stage, j.prompt, j.resolution, j.width, j.height,
  j.duration_seconds AS "durationSeconds", j.fps, j.seed, j.step_budget AS "stepBudget", j.steps_completed AS "stepsCompleted",
  j.idempotency_key AS "idempotencyKey", j.attempts, j.max_attempts AS "maxAttempts", j.run_after AS "runAfter",
  j.lease_owner AS "leaseOwner", j.lease_expires_at AS "leaseExpiresAt", j.fencing_token AS "fencingToken",
  j.cancel_requested_at AS "cancelRequestedAt", j.error_code AS "errorCode", j.error_message AS "errorMessage",
  j.progress, j.metadata, j.video, NULL::jsonb AS checkpoint, j.avoid_worker AS "avoidWorker", j.cache_key AS "cacheKey",
  j.created_at AS "createdAt", j.started_at AS "startedAt", j.finished_at AS "finishedAt", j.updated_at AS "updatedAt",
  j.deleted_at AS "deletedAt", j.outputs_removed_at AS "outputsRemovedAt", j.removal_reason AS "removalReason", j.takedown_reason AS "takedownReason"`;
