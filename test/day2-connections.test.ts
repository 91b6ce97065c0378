import {
  auroraMaxConnections,
  azureMaxConnections,
  rdsInstanceMemoryGib,
  rdsMaxConnections,
  sizePool,
} from '../constructs/shared/db-connections';
import { type Synthesized, configFrom, onlyResource, rejectionsOf, serviceTaskDefinition, synth } from './helpers';
import { minimalAws, minimalAzure } from './fixtures/minimal';

/**
 * Day-2 operations, item "database connections sized, not guessed". MLflow reads
 * MLFLOW_SQLALCHEMYSTORE_POOL_SIZE and MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW (mlflow/environment_variables.py)
 * in mlflow/store/db/utils.py create_sqlalchemy_engine, which the tracking, registry and auth stores all use.
 */

const aws = (extra: string, database = '{}', tracking = '') => minimalAws({ extra, database, tracking });
const azure = (database: string, tracking: string) => minimalAzure({ database, tracking });

describe('connection limits', () => {
  it('RDS: LEAST(DBInstanceClassMemory / 9531392, 5000), with 80% of the class memory assumed usable', () => {
    expect(rdsInstanceMemoryGib('db.t4g.medium')).toBe(4);
    expect(rdsInstanceMemoryGib('db.m7g.2xlarge')).toBe(32);
    expect(rdsInstanceMemoryGib('db.r6g.large')).toBe(16);
    expect(rdsMaxConnections('db.t4g.medium')).toBe(360);
    expect(rdsMaxConnections('db.m7g.large')).toBe(720);
    expect(rdsMaxConnections('db.r7g.16xlarge')).toBe(5000);
    expect(rdsMaxConnections('db.z1d.large')).toBeUndefined();
  });

  it('Aurora Serverless v2: the same formula at the maximum ACUs (2 GiB each)', () => {
    expect(auroraMaxConnections(4)).toBe(720);
    expect(auroraMaxConnections(0.5)).toBe(90);
  });

  it('Azure: the documented maximum user connections per SKU family and size', () => {
    expect(azureMaxConnections('B_Standard_B1ms')).toBe(35);
    expect(azureMaxConnections('B_Standard_B2s')).toBe(414);
    expect(azureMaxConnections('GP_Standard_D2ds_v5')).toBe(844);
    expect(azureMaxConnections('GP_Standard_D4s_v3')).toBe(1703);
    expect(azureMaxConnections('MO_Standard_E2ds_v5')).toBe(1703);
    expect(azureMaxConnections('GP_Standard_Dx')).toBeUndefined();
  });
});

describe('pool sizing', () => {
  it('keeps SQLAlchemy defaults (5 + 10) when the limit allows, and the peak within limit - 10 reserved', () => {
    expect(sizePool({ limit: 5000, maxReplicas: 3, workers: 2 })).toEqual({ poolSize: 5, maxOverflow: 10, peakConnections: 540, limit: 5000 });
    for (const [limit, maxReplicas, workers] of [[360, 3, 2], [720, 6, 4], [844, 6, 4], [90, 2, 2]]) {
      const s = sizePool({ limit, maxReplicas, workers });
      expect(s).toBeDefined();
      expect(s?.peakConnections).toBeLessThanOrEqual(limit - 10);
      // The peak counts 2x tasks (rolling deployment) x workers x 3 engines.
      expect(s?.peakConnections).toBe(2 * maxReplicas * workers * 3 * ((s?.poolSize ?? 0) + (s?.maxOverflow ?? 0)));
    }
  });

  it('gives up when not even one connection per engine fits', () => {
    expect(sizePool({ limit: 35, maxReplicas: 6, workers: 4 })).toBeUndefined();
  });
});

const serverEnv = (json: Synthesized) => {
  const containers = JSON.parse(String(serviceTaskDefinition(json).container_definitions)) as { name: string; environment: { name: string; value: string }[] }[];
  return Object.fromEntries((containers.find((c) => c.name === 'mlflow')?.environment ?? []).map((e) => [e.name, e.value]));
};

describe('the server gets its pool; bad combinations are rejected at load', () => {
  it('AWS: db.t4g.medium, 3 tasks x 2 workers -> 5 + 4 per engine', () => {
    const env = serverEnv(synth(configFrom(aws('', '{ instanceClass: db.t4g.medium }', '  cpu: 1024\n  memory: 2048\n'))));
    expect(env).toMatchObject({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '5', MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '4' });
  });

  it('Azure: the same variables on the server container', () => {
    const json = synth(configFrom(azure('{ skuName: B_Standard_B2s }', '{ cpu: 1, maxReplicas: 3 }')));
    const template = onlyResource(json, 'azurerm_container_app').template as { container: { env: { name: string; value?: string }[] }[] };
    const env = Object.fromEntries(template.container[0].env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '5', MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '6' });
  });

  // The lean non-production defaults (stacks/config/defaults.ts) must fit their own database.
  it('the lean defaults fit: AWS db.t4g.micro (90), 3 tasks x 2 workers -> 2 + 0; Azure B1ms (35), 2 replicas x 2 workers -> 1 + 0', () => {
    expect(serverEnv(synth(configFrom(aws(''))))).toMatchObject({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '2', MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '0' });
    const template = onlyResource(synth(configFrom(azure('{}', '{}'))), 'azurerm_container_app').template as { container: { env: { name: string; value?: string }[] }[] };
    const env = Object.fromEntries(template.container[0].env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: '1', MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: '0' });
    // An explicit third replica on B1ms no longer fits and is rejected.
    expect(() => configFrom(azure('{}', '{ maxReplicas: 3 }'))).toThrow(/tracking.maxReplicas: 3 tracking.maxReplicas x 2 tracking.workers need at least 46/);
  });

  it('AWS: too many tasks x workers for the instance class names the fields and the limit', () => {
    expect(rejectionsOf(aws('', '{ instanceClass: db.t4g.micro }', '  maxTasks: 20\n  workers: 8\n'), 'c.yaml')).toEqual([
      'c.yaml: tracking.maxTasks: 20 tracking.maxTasks x 8 tracking.workers need at least 970 database connections at the peak of a rollout (x2 tasks, x3 engines per worker, +10 reserved), more than the 90 that database.instanceClass allows; keep tracking.maxTasks x tracking.workers at or below 13 or choose a larger database.instanceClass, got 20',
    ]);
  });

  it('AWS: an instance class without a known connection limit is rejected', () => {
    expect(rejectionsOf(aws('', '{ instanceClass: db.z1d.large }'), 'c.yaml')[0]).toMatch(/^c\.yaml: database\.instanceClass: unknown connection limit for db\.z1d\.large/);
  });

  it('Aurora: the maximum ACUs decide', () => {
    const problems = rejectionsOf(aws('', '{ engine: aurora-postgresql, maxCapacity: 1 }', '  maxTasks: 10\n  workers: 8\n'), 'c.yaml');
    expect(problems[0]).toMatch(/more than the 180 that database\.maxCapacity allows/);
  });

  it('Azure: a SKU too small for the replicas is rejected', () => {
    expect(rejectionsOf(azure('{ skuName: B_Standard_B1ms }', '{ maxReplicas: 10 }'), 'c.yaml')[0]).toMatch(
      /^c\.yaml: tracking\.maxReplicas: 10 tracking\.maxReplicas x 2 tracking\.workers need at least 130 database connections .* more than the 35 that database\.skuName allows/,
    );
  });
});
