import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { CONFIG_TABLES, DEPENDS_ON, type ConfigTable, lookupPath, renderConfigTable, resolvedDefaults, tableLeaves, valueAt } from '../cli/docs/config-tables';
import { README, withConfigTables } from '../cli/docs/readme';
import type { awsTrackingSchema } from '../stacks/config/aws';
import type { azureTrackingSchema } from '../stacks/config/azure';
import type * as ResolveModule from '../stacks/config/resolve';
import { type AwsInput, type AzureInput, PASS_THROUGH, resolveAws, resolveAzure, resolveBackend, resolveDatabricks, resolveShared } from '../stacks/config/resolve';
import { parseDeployment } from '../stacks/config/load';
import type { DeploymentConfig } from '../stacks/config/schema';
import { configFrom, synth } from './helpers';

/**
 * The resolvers, wrapped: while `mockReads.on`, what they return records every field the stack
 * sections (and the constructs they hand objects to) read. jest.mock: the sections import the
 * module, so the wrapper must replace it for them too.
 */
const mockReads = { on: false, paths: new Set<string>() };
jest.mock('../stacks/config/resolve', () => {
  const actual = jest.requireActual<typeof ResolveModule>('../stacks/config/resolve');
  const track = (value: unknown, at: string): unknown =>
    value === null || typeof value !== 'object' || Array.isArray(value)
      ? value
      : new Proxy(value, {
          get(target, key, receiver) {
            const v: unknown = Reflect.get(target, key, receiver);
            if (typeof key !== 'string' || !mockReads.on) return v;
            const p = at ? `${at}.${key}` : key;
            mockReads.paths.add(p);
            return track(v, p);
          },
        });
  return {
    ...actual,
    resolveAws: (...args: Parameters<typeof actual.resolveAws>) => track(actual.resolveAws(...args), ''),
    resolveAzure: (...args: Parameters<typeof actual.resolveAzure>) => track(actual.resolveAzure(...args), ''),
    resolveDatabricks: (...args: Parameters<typeof actual.resolveDatabricks>) => track(actual.resolveDatabricks(...args), ''),
  };
});

const passThroughOf = (table: ConfigTable) => PASS_THROUGH[table === 'operations' ? 'aws' : table];

/** A field path inside a list item (`teams[].name`): the empty configs of the docs have no items. */
const inList = (p: string) => p.includes('[]');

describe('one source of truth per config field (stacks/config/resolve.ts)', () => {
  describe.each(CONFIG_TABLES)('%s', (table) => {
    const leaves = tableLeaves(table);
    const paths = leaves.map((l) => l.path);

    it('every field of the schema is set by the resolver or listed in PASS_THROUGH, never both', () => {
      const [other, production] = resolvedDefaults(table);
      const passThrough = passThroughOf(table);
      for (const leaf of leaves) {
        const p = leaf.path;
        const listed = p in passThrough;
        // A required field of an optional object (unityCatalog.account.id) is the config's value once the object is there.
        const required = passThrough[p]?.startsWith('required') === true;
        for (const resolved of [other, production]) {
          const set = valueAt(resolved, lookupPath(leaf)) !== undefined;
          if (!listed && !set) throw new Error(`${table} ${p}: neither resolved nor listed in PASS_THROUGH`);
          // A list item's field may be resolved (environments[].production) without a default of its own.
          if (listed && set && !inList(p) && !required) throw new Error(`${table} ${p}: resolved, but listed in PASS_THROUGH as having no default`);
        }
      }
    });

    it('names only fields that exist in PASS_THROUGH and DEPENDS_ON', () => {
      const prefixes = new Set(paths.flatMap((p) => p.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
      const tables = table === 'aws' ? ['aws', 'operations'] : [table];
      const known = new Set(tables.flatMap((t) => tableLeaves(t as ConfigTable).flatMap((l) => l.path.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.')))));
      if (table !== 'operations') for (const p of Object.keys(passThroughOf(table))) expect(known.has(p) ? p : `unknown field ${p}`).toBe(p);
      for (const p of Object.keys(DEPENDS_ON[table])) expect(prefixes.has(p) ? p : `unknown field ${p}`).toBe(p);
    });

    it('descriptions no longer repeat a default: the table shows the resolved value', () => {
      for (const leaf of leaves) expect(`${leaf.path}: ${leaf.schema.description ?? ''}`).not.toMatch(/@default/);
    });
  });

  it('README config tables are the generated ones (refresh them with `npm run docs`)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    expect(readme).toBe(withConfigTables(readme));
  });

  it('the tables show what the resolvers return, outside production and in production', () => {
    const row = (table: ConfigTable, field: string) => renderConfigTable(table).split('\n').find((l) => l.startsWith(`| \`${field}\` |`));
    expect(row('aws', 'database.instanceClass')).toContain('| `db.t4g.micro` | `db.t4g.medium` |');
    expect(row('aws', 'tracking.ephemeralStorageGb')).toContain('| `20` | `50` |');
    expect(row('azure', 'database.skuName')).toContain('| `B_Standard_B1ms` | `GP_Standard_D2ds_v5` |');
    expect(row('azure', 'databricksWorkspace.name')).toContain('| `dbw-<name>` | `dbw-<name>` |');
    expect(row('operations', 'backup.enabled')).toContain('| `false` | `true` |');
    expect(row('databricks', 'environments[].production')).toContain('| `true` |');
    expect(row('aws', 'tracking.domainName')).toContain('| the load balancer DNS name |');
    expect(row('deployment', 'production')).toContain('| `false` (`true` when environment is prod or production) | `true` |');
    expect(row('deployment', 'backend.path')).toContain('| `terraform.<name>.tfstate` |');
  });
});

/** Every AWS field set to something other than its default. */
const awsEverything: AwsInput = {
  network: {
    vpcCidr: '10.1.0.0/20',
    azCount: 3,
    subnetPrefixLength: 26,
    natGateways: 'single',
    interfaceEndpoints: true,
    taskSubnets: 'private',
    flowLogRetentionDays: 30,
    flowLogClass: 'standard',
    existing: {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidr: '10.9.0.0/16',
      publicSubnetIds: ['subnet-00000001', 'subnet-00000002'],
      privateSubnetIds: ['subnet-00000003', 'subnet-00000004'],
      isolatedSubnetIds: ['subnet-00000005', 'subnet-00000006'],
    },
  },
  database: {
    engine: 'aurora-postgresql',
    engineVersion: '15',
    instanceClass: 'db.r6g.large',
    allocatedStorageGb: 50,
    maxAllocatedStorageGb: 500,
    minCapacity: 2,
    maxCapacity: 8,
    backupRetentionDays: 21,
    multiAz: true,
    deletionProtection: true,
  },
  artifacts: { noncurrentVersionDays: 90 },
  tracking: {
    image: 'example.com/mlflow:1',
    cpu: 1024,
    memory: 4096,
    spot: false,
    minTasks: 3,
    maxTasks: 9,
    workers: 5,
    loadBalancer: {
      internetFacing: true,
      allowedCidrs: ['203.0.113.0/24'],
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x',
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
      allowPlainHttp: true,
      rateLimit: 500,
    },
    domainName: 'mlflow.example.com',
    hostedZoneId: 'Z0123456789',
    logRetentionDays: 180,
    logClass: 'standard',
    adminUsername: 'root-admin',
    telemetry: true,
    uploadIdleTimeoutSeconds: 900,
    ephemeralStorageGb: 100,
  } satisfies z.output<typeof awsTrackingSchema>,
  alarms: { enabled: false, emails: ['a@example.com'] },
  backup: { enabled: true, retentionDays: 60, schedule: 'cron(0 5 * * ? *)' },
  retention: { deletedRunsDays: 7, gcEnabled: false },
};

/** Every Azure field set to something other than its default. */
const azureEverything: AzureInput = {
  name: 'x',
  network: {
    resourceGroupName: 'rg-existing',
    vnetCidr: '10.50.0.0/16',
    subnets: { containerApps: '10.50.0.0/24', postgres: '10.50.1.0/24', privateEndpoints: '10.50.2.0/24', databricksPublic: '10.50.4.0/23', databricksPrivate: '10.50.6.0/23' },
    deployerCidrs: ['198.51.100.0/24'],
    dnsLinkedVnetIds: ['/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hub/providers/Microsoft.Network/virtualNetworks/hub'],
  },
  database: { version: '17', skuName: 'GP_Standard_D4ds_v5', storageMb: 65536, backupRetentionDays: 21, highAvailability: true, geoRedundantBackup: true, zone: '2', passwordVersion: 3 },
  artifacts: { replication: 'RAGZRS', softDeleteDays: 14 },
  tracking: {
    image: 'example.com/mlflow:1',
    cpu: 1,
    minReplicas: 3,
    maxReplicas: 7,
    workers: 3,
    logRetentionDays: 90,
    logTotalRetentionDays: 400,
    consoleLogPlan: 'analytics',
    adminUsername: 'root-admin',
    ingress: { allowedCidrs: ['10.60.0.0/16'] },
    telemetry: true,
  } satisfies z.output<typeof azureTrackingSchema>,
  teams: [{ name: 'fraud', principalIds: ['00000000-0000-0000-0000-000000000001'] }],
  databricksWorkspace: { name: 'dbw-mine', managedResourceGroupName: 'rg-managed', minNodes: 200 },
  alarms: { enabled: false, emails: ['a@example.com'] },
  backup: { enabled: false, retentionDays: 60, schedule: 'cron(0 5 * * ? *)' },
  retention: { deletedRunsDays: 7, gcEnabled: false },
};

describe('resolvers map every field: a config that sets every field gets exactly its values back', () => {
  it.each([false, true])('AWS (production: %s)', (production) => {
    const resolved = resolveAws(awsEverything, production);
    for (const { path: p } of [...tableLeaves('aws'), ...tableLeaves('operations')].filter((l) => !inList(l.path))) {
      expect([p, valueAt(resolved, p)]).toEqual([p, valueAt(awsEverything, p)]);
    }
  });

  it.each([false, true])('Azure (production: %s)', (production) => {
    const resolved = resolveAzure(azureEverything, production);
    for (const { path: p } of tableLeaves('azure').filter((l) => !inList(l.path))) {
      expect([p, valueAt(resolved, p)]).toEqual([p, valueAt(azureEverything, p)]);
    }
    expect(resolved.teams).toEqual(azureEverything.teams);
  });

  it('Databricks: set values win over the derived ones', () => {
    const config = configFrom(`name: g
environment: dev
databricks:
  host: https://adb-1.7.azuredatabricks.net
  registry: unity-catalog
  experimentsRoot: /ml
  environments:
    - name: prod
      production: false
  models: [churn]
  unityCatalog:
    catalog: ml
    storageRoot: abfss://c@a.dfs.core.windows.net/
    account: { id: 11111111-2222-3333-4444-555555555555, workspaceId: "42", host: https://accounts.cloud.databricks.com }
`);
    if (!config.databricks) throw new Error('no databricks section');
    const resolved = resolveDatabricks(config.databricks, { cloud: 'azure', createsWorkspace: true });
    expect(resolved.environments[0].production).toBe(false);
    expect(resolved.unityCatalog?.account?.host).toBe('https://accounts.cloud.databricks.com');
    expect(resolved).toMatchObject({ host: 'https://adb-1.7.azuredatabricks.net', experimentsRoot: '/ml', models: ['churn'], unityCatalog: { catalog: 'ml' } });
  });
});

describe('resolved defaults', () => {
  it('every deployment: production from the environment unless set; the state path and key follow the stack name', () => {
    expect(resolveShared({ name: 'a', environment: 'prod', backend: { type: 'local' } })).toEqual({ production: true, backend: { type: 'local', path: 'terraform.a.tfstate' } });
    expect(resolveShared({ name: 'a', environment: 'prod', production: false, backend: { type: 'local', path: 'x.tfstate' } })).toEqual({ production: false, backend: { type: 'local', path: 'x.tfstate' } });
    expect(resolveBackend({ type: 's3', bucket: 'b', region: 'eu-west-1', encrypt: true, useLockfile: true }, 'a')).toMatchObject({ key: 'mlflow-platform/a.tfstate' });
    expect(resolveBackend({ type: 'azurerm', storageAccountName: 's', containerName: 'c', key: 'k', useAzureadAuth: false }, 'a')).toMatchObject({ key: 'k', useAzureadAuth: false });
  });

  it('AWS: lean outside production, highly available and protected in production', () => {
    const input: AwsInput = { database: awsEverything.database && { engine: 'postgres', engineVersion: '16', allocatedStorageGb: 20, maxAllocatedStorageGb: 200 }, artifacts: {} };
    expect(resolveAws(input, false)).toMatchObject({
      network: { vpcCidr: '10.0.0.0/16', azCount: 2, subnetPrefixLength: 20, natGateways: 'none', taskSubnets: 'public', interfaceEndpoints: false, flowLogRetentionDays: 90 },
      database: { instanceClass: 'db.t4g.micro', minCapacity: 0.5, maxCapacity: 4, backupRetentionDays: 7, multiAz: false, deletionProtection: false },
      artifacts: { noncurrentVersionDays: 30 },
      backup: { enabled: false },
      derived: { protect: false, accessLogRetentionDays: 90 },
    });
    expect(resolveAws(input, true)).toMatchObject({
      network: { natGateways: 'per-az', taskSubnets: 'private', flowLogRetentionDays: 365 },
      database: { instanceClass: 'db.t4g.medium', minCapacity: 1, maxCapacity: 16, backupRetentionDays: 14, multiAz: true, deletionProtection: true },
      artifacts: { noncurrentVersionDays: 365 },
      backup: { enabled: true },
      derived: { protect: true, accessLogRetentionDays: 365 },
    });
  });

  it('AWS: the allowed CIDRs and the subnet prefix follow the VPC (an existing VPC\'s CIDR wins)', () => {
    const tracking = { ...awsEverything.tracking, loadBalancer: { internetFacing: false, sslPolicy: 'x', allowPlainHttp: true } } as AwsInput['tracking'];
    const mine = resolveAws({ network: { vpcCidr: '10.2.0.0/22', interfaceEndpoints: true }, tracking }, false);
    expect(mine.network.subnetPrefixLength).toBe(26);
    expect(mine.tracking?.loadBalancer.allowedCidrs).toEqual(['10.2.0.0/22']);
    const existing = resolveAws({ network: { ...awsEverything.network, vpcCidr: '10.0.0.0/16' } as AwsInput['network'], tracking }, false);
    expect(existing.tracking?.loadBalancer.allowedCidrs).toEqual(['10.9.0.0/16']);
  });

  it('Azure: point-in-time restore is one day shorter than soft delete, only with backups on', () => {
    expect(resolveAzure({ name: 'x', artifacts: {} }, true).artifacts).toEqual({ replication: 'GZRS', softDeleteDays: 30, pointInTimeRestoreDays: 29 });
    expect(resolveAzure({ name: 'x', artifacts: {} }, false).artifacts).toEqual({ replication: 'ZRS', softDeleteDays: 7, pointInTimeRestoreDays: undefined });
    expect(resolveAzure({ name: 'x', artifacts: { softDeleteDays: 10 }, backup: { enabled: true } }, false).artifacts?.pointInTimeRestoreDays).toBe(9);
  });

  it('Azure: the Databricks subnets exist only with a workspace', () => {
    expect(Object.keys(resolveAzure({ name: 'x' }, false).network.subnets)).toEqual(['containerApps', 'postgres', 'privateEndpoints']);
    expect(resolveAzure({ name: 'x', databricksWorkspace: { minNodes: 10 } }, false).network.subnets.databricksPrivate).toBe('10.40.8.0/22');
  });
});

describe('the config checks judge the resolved values', () => {
  const aws = (network: string) => `name: fit
environment: dev
cloud: aws
region: eu-west-1
network: ${network}
`;
  const problems = (text: string) => {
    const result = parseDeployment(text, 'deployments/fit.yaml');
    return result.ok ? [] : result.problems;
  };

  it('the subnets must fit for the zones the stack creates: 2 by default (the resolved azCount), not 3', () => {
    // 3 tiers x 2 zones of /27 are 6 of the 8 a /24 holds (constructs/aws/network.ts numbers them tier x azCount + zone).
    expect(problems(aws('{ vpcCidr: 10.0.0.0/24, subnetPrefixLength: 27 }'))).toEqual([]);
    expect(problems(aws('{ vpcCidr: 10.0.0.0/24, subnetPrefixLength: 27, azCount: 3 }'))).toEqual([
      'deployments/fit.yaml: network.subnetPrefixLength: 9 subnets of /27 do not fit in 10.0.0.0/24; use a longer prefix or a larger VPC, got 27',
    ]);
    // Without subnetPrefixLength the resolved one (VPC prefix + 4: /28, 16 of them) is judged.
    expect(problems(aws('{ vpcCidr: 10.0.0.0/24 }'))).toEqual([]);
  });
});

/** The fields of `tables` the sections never read from the resolved config, each with why. */
function unread(config: DeploymentConfig, tables: readonly ConfigTable[], notRead: Readonly<Record<string, string>>): string[] {
  mockReads.paths.clear();
  mockReads.on = true;
  try {
    synth(config);
  } finally {
    mockReads.on = false;
  }
  const read = (p: string) => mockReads.paths.has(p) || (p.includes('[]') && mockReads.paths.has(p.slice(0, p.indexOf('[]'))));
  return tables
    .flatMap((t) => tableLeaves(t))
    .map(lookupPath)
    .filter((p) => !read(p) && !(p in notRead));
}

// Every field set, and every feature on, so that nothing is skipped for being off.
const shared = {
  environment: 'dev',
  production: false,
  tags: {},
  backend: { type: 'local' as const },
  suppressions: [],
  source: 'deployments/x.yaml',
  alarms: { enabled: true, emails: ['a@example.com'] },
  backup: { enabled: true, retentionDays: 60, schedule: 'cron(0 5 * * ? *)' },
  retention: { deletedRunsDays: 7, gcEnabled: true },
};

describe('the sections read every resolved field (a field they forget fails here)', () => {
  it('AWS', () => {
    // TrackingService refuses plain HTTP on an internet-facing load balancer.
    const tracking = awsEverything.tracking && { ...awsEverything.tracking, loadBalancer: { ...awsEverything.tracking.loadBalancer, allowPlainHttp: false } };
    const config = { ...awsEverything, ...shared, tracking, name: 'every-aws', cloud: 'aws', region: 'eu-west-1', teams: [{ name: 'fraud', trustedPrincipals: ['arn:aws:iam::123456789012:role/x'] }] } as DeploymentConfig;
    expect(unread(config, ['aws', 'operations'], {})).toEqual([]);
  });

  it('Azure', () => {
    const config = { ...azureEverything, ...shared, name: 'every-azure', cloud: 'azure', location: 'westeurope' } as DeploymentConfig;
    expect(
      unread(config, ['azure', 'operations'], {
        'backup.retentionDays': 'AWS Backup only',
        'backup.schedule': 'AWS Backup only',
        'backup.enabled': 'Azure: through artifacts.pointInTimeRestoreDays (resolveAzure)',
        'databricksWorkspace.minNodes': 'sizes the subnets: a config check only',
      }),
    ).toEqual([]);
  });

  it('Databricks', () => {
    const config = configFrom(`name: every-dbx
environment: dev
databricks:
  host: https://adb-1.7.azuredatabricks.net
  registry: unity-catalog
  environments:
    - name: acc
  models: [churn]
  unityCatalog:
    storageRoot: abfss://c@a.dfs.core.windows.net/
    account: { id: 11111111-2222-3333-4444-555555555555, workspaceId: "42" }
`);
    expect(unread(config, ['databricks'], {})).toEqual([]);
  });
});

describe('the stack sections write no defaults of their own', () => {
  // A production ternary or a `?? <literal>` in a section is a default the resolvers do not know:
  // the config checks, the cost estimate and the README would disagree with the stack.
  const sections = path.join(__dirname, '..', 'stacks', 'sections');
  it.each(fs.readdirSync(sections))('%s', (file) => {
    const source = fs.readFileSync(path.join(sections, file), 'utf8');
    expect(source).not.toMatch(/production \?/);
    expect(source).not.toMatch(/\?\? *(\(|'|"|`|\[|\{|-?\d|true|false)/);
  });
});
