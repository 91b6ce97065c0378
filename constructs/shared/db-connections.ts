/**
 * Database connections sized, not guessed: the connection limit of the chosen database size, and
 * the SQLAlchemy pool of every MLflow server worker derived from it.
 *
 * Formula (docs/runbook.md, "Database connections"):
 *
 *   peak connections = 2 x maxTasks (a rolling deployment runs old and new tasks side by side)
 *                      x workers per task
 *                      x 3 engines per worker (tracking store, model registry store, auth store)
 *                      x (MLFLOW_SQLALCHEMYSTORE_POOL_SIZE + MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW)
 *   peak connections <= connection limit - RESERVED_CONNECTIONS
 *
 * MLflow reads both variables in mlflow/store/db/utils.py (create_sqlalchemy_engine) for every engine
 * it creates, including the auth app's (mlflow/server/auth/sqlalchemy_store.py), at tag v3.17.0.
 */

/** Connections kept free for the migration step, the gc job and an operator's psql session. */
export const RESERVED_CONNECTIONS = 10;
/** SQLAlchemy engines one server worker may open: tracking, model registry, auth. */
export const ENGINES_PER_WORKER = 3;
/** Old and new tasks/replicas overlap during a rolling deployment (ECS maximumPercent 200). */
export const DEPLOYMENT_OVERLAP = 2;
/** SQLAlchemy's own QueuePool defaults: never raised above these. */
const DEFAULT_POOL_SIZE = 5;
const DEFAULT_MAX_OVERFLOW = 10;

/** Bytes of DBInstanceClassMemory per connection in the RDS/Aurora PostgreSQL default max_connections. */
const BYTES_PER_CONNECTION = 9531392;
/**
 * DBInstanceClassMemory is the class memory minus what the OS and RDS processes reserve; AWS does not
 * publish the exact figure, so 80 % of the class memory is assumed (conservative).
 */
const USABLE_MEMORY = 0.8;
const GIB = 1024 ** 3;

/** Memory (GiB) of the `large` size of each RDS instance family. */
const LARGE_MEMORY_GIB: Readonly<Record<string, number>> = {
  m5: 8, m6g: 8, m6i: 8, m7g: 8, m7i: 8, m8g: 8,
  r5: 16, r6g: 16, r6i: 16, r7g: 16, r7i: 16, r8g: 16,
  x2g: 32,
};
/** Burstable classes, by size. */
const BURSTABLE_MEMORY_GIB: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };

/** Memory of an RDS instance class in GiB, or undefined for a class this table does not know. */
export function rdsInstanceMemoryGib(instanceClass: string): number | undefined {
  const [, family, size] = instanceClass.split('.');
  if (family === 't3' || family === 't4g') return BURSTABLE_MEMORY_GIB[size];
  const large = LARGE_MEMORY_GIB[family];
  if (large === undefined) return undefined;
  if (size === 'large') return large;
  const m = /^(\d*)xlarge$/.exec(size ?? '');
  return m ? large * 2 * Number(m[1] || 1) : undefined;
}

/** RDS for PostgreSQL default: max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000). */
export function rdsMaxConnections(instanceClass: string): number | undefined {
  const gib = rdsInstanceMemoryGib(instanceClass);
  return gib === undefined ? undefined : Math.min(Math.floor((gib * GIB * USABLE_MEMORY) / BYTES_PER_CONNECTION), 5000);
}

/** Aurora PostgreSQL Serverless v2: the same formula at the maximum capacity (1 ACU = 2 GiB). */
export function auroraMaxConnections(maxCapacityAcu: number): number {
  return Math.min(Math.floor((maxCapacityAcu * 2 * GIB * USABLE_MEMORY) / BYTES_PER_CONNECTION), 5000);
}

/**
 * Azure Database for PostgreSQL flexible server: maximum USER connections per SKU (the default
 * max_connections minus the 15 Azure reserves), from "Limits in Azure Database for PostgreSQL flexible
 * server" (learn.microsoft.com/azure/postgresql/flexible-server/concepts-limits).
 */
const AZURE_USER_CONNECTIONS: Readonly<Record<string, number>> = {
  B1ms: 35, B2s: 414, B2ms: 844, B4ms: 1703, B8ms: 3422, B12ms: 4985, B16ms: 4985, B20ms: 4985,
  D2: 844, D4: 1703, D8: 3422, D16: 4985, D32: 4985, D48: 4985, D64: 4985, D96: 4985,
  E2: 1703, E4: 3422, E8: 4985, E16: 4985, E20: 4985, E32: 4985, E48: 4985, E64: 4985, E96: 4985,
};

/** User connections of a flexible server SKU (`GP_Standard_D2ds_v5`), or undefined when unknown. */
export function azureMaxConnections(skuName: string): number | undefined {
  const size = skuName.replace(/^(B|GP|MO)_Standard_/, '');
  if (size.startsWith('B')) return AZURE_USER_CONNECTIONS[size];
  const m = /^([DE]\d+)a?d?s_v[345]$/.exec(size);
  return m ? AZURE_USER_CONNECTIONS[m[1]] : undefined;
}

export interface PoolSizing {
  readonly poolSize: number;
  readonly maxOverflow: number;
  /** Connections all tasks/replicas may hold at the peak of a rolling deployment at maximum scale. */
  readonly peakConnections: number;
  readonly limit: number;
}

/**
 * The largest pool (up to SQLAlchemy's defaults, 5 + 10) whose peak stays within the limit, or
 * undefined when even one connection per engine does not fit.
 */
export function sizePool(p: { readonly limit: number; readonly maxReplicas: number; readonly workers: number }): PoolSizing | undefined {
  const engines = DEPLOYMENT_OVERLAP * p.maxReplicas * p.workers * ENGINES_PER_WORKER;
  const perEngine = Math.floor((p.limit - RESERVED_CONNECTIONS) / engines);
  if (perEngine < 1) return undefined;
  const poolSize = Math.min(DEFAULT_POOL_SIZE, perEngine);
  const maxOverflow = Math.min(DEFAULT_MAX_OVERFLOW, perEngine - poolSize);
  return { poolSize, maxOverflow, peakConnections: engines * (poolSize + maxOverflow), limit: p.limit };
}

/** The most engines' worth of connections a limit allows: for a readable error message. */
export function maxWorkersTimesReplicas(limit: number): number {
  return Math.floor((limit - RESERVED_CONNECTIONS) / (DEPLOYMENT_OVERLAP * ENGINES_PER_WORKER));
}

/** The environment variables MLflow reads (mlflow/environment_variables.py at v3.17.0). */
export function poolEnvironment(s: PoolSizing): { name: string; value: string }[] {
  return [
    { name: 'MLFLOW_SQLALCHEMYSTORE_POOL_SIZE', value: String(s.poolSize) },
    { name: 'MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW', value: String(s.maxOverflow) },
  ];
}

/** Default worker count of a server task/replica: 2 per vCPU, at least 2. */
export function defaultWorkers(vcpus: number): number {
  return Math.max(2, Math.round(vcpus * 2));
}
