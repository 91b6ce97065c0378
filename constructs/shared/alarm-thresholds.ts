/**
 * Alarm thresholds, the same on every cloud; production pages earlier than other environments.
 * docs/runbook.md ("Alarms") lists each alarm and what to do about it.
 */
export interface AlarmThresholds {
  /** Server-side errors (5xx) as a percentage of requests, over 5 one-minute periods (3 breaching). */
  readonly errorRatePercent: number;
  /** 90th percentile response time in seconds, over 5 minutes (two periods). */
  readonly latencyP90Seconds: number;
  /** Database CPU percentage, average over 10 minutes (two periods). */
  readonly databaseCpuPercent: number;
  /** Database connections as a percentage of the connection limit. */
  readonly connectionsPercent: number;
  /** Free database storage as a percentage of the allocated storage (RDS; Azure: storage used above 100 - this). */
  readonly freeStoragePercent: number;
}

export function alarmThresholds(production: boolean): AlarmThresholds {
  return production
    ? { errorRatePercent: 1, latencyP90Seconds: 3, databaseCpuPercent: 80, connectionsPercent: 80, freeStoragePercent: 10 }
    : { errorRatePercent: 5, latencyP90Seconds: 10, databaseCpuPercent: 90, connectionsPercent: 90, freeStoragePercent: 5 };
}
