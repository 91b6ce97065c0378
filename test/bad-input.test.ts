import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPlatform } from '../stacks/app';
import { tempDirWith } from './helpers';
import { AWS_DEV, AWS_PROD, AZURE_PROD, DBX_GOVERNANCE, edit, withName } from './fixtures/configs';

const good = withName(AWS_DEV, 'good');
const aws = withName(AWS_PROD, 'bad');
const azure = withName(AZURE_PROD, 'bad');
const dbx = withName(DBX_GOVERNANCE, 'bad');

/** [what, YAML, the one message expected after "bad.yaml: "] */
const CASES: readonly (readonly [string, string, string])[] = [
  ['YAML syntax', 'name: bad\nenvironment: [dev\n', '3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['a duplicate YAML key', 'name: bad\nname: again\n', '2:1: invalid YAML: Map keys must be unique'],
  ['a list instead of a mapping', '- name: bad\n', 'expected a mapping of deployment fields (name, environment, ...), got a list'],
  ['an unknown top-level key', `${aws}regoin: eu-west-1\n`, 'regoin: unknown field; allowed fields here: name, environment, production, tags, backend, suppressions, cloud, region, network, database, artifacts, tracking, teams, databricks, alarms, backup, retention'],
  ['an unknown nested key', edit(aws, 'database:\n', 'database:\n  instanceClas: db.m7g.large\n'), 'database.instanceClas: unknown field; allowed fields here: engine, engineVersion, instanceClass, allocatedStorageGb, maxAllocatedStorageGb, minCapacity, maxCapacity, backupRetentionDays, multiAz, deletionProtection'],
  ['an invalid stack name', edit(aws, 'name: bad', 'name: Bad_Name'), 'name: expected lowercase letters, digits and dashes, starting with a letter, not ending with a dash, at most 40 characters, got "Bad_Name"'],
  ['a wrong type', edit(aws, 'environment: prod', 'environment: prod\nproduction: "yes"'), 'production: expected boolean, received string, got "yes"'],
  ['an unknown cloud', edit(aws, 'cloud: aws', 'cloud: gcp'), 'cloud: expected "aws" or "azure", or no cloud for a governance-only deployment, got "gcp"'],
  ['an invalid region', edit(aws, 'region: eu-west-1\n', 'region: europe\n'), 'region: expected an AWS region such as eu-west-1, got "europe"'],
  ['an unknown backend', edit(aws, 'type: s3', 'type: gcs'), 'backend.type: expected one of "local", "s3", "azurerm", got "gcs"'],
  ['an invalid VPC CIDR', edit(aws, 'vpcCidr: 10.30.0.0/16', 'vpcCidr: 10.30.0.0/33'), 'network.vpcCidr: expected an IPv4 CIDR block such as 10.0.0.0/16, got "10.30.0.0/33"'],
  ['host bits in a CIDR', edit(aws, 'vpcCidr: 10.30.0.0/16', 'vpcCidr: 10.30.0.1/16'), 'network.vpcCidr: host bits must be zero (e.g. 10.0.0.0/16, not 10.0.0.1/16), got "10.30.0.1/16"'],
  ['subnets that do not fit the VPC', edit(aws, 'vpcCidr: 10.30.0.0/16', 'vpcCidr: 10.30.0.0/24\n  subnetPrefixLength: 25'), 'network.subnetPrefixLength: 6 subnets of /25 do not fit in 10.30.0.0/24; use a longer prefix or a larger VPC, got 25'],
  ['an invalid instance class', edit(aws, 'instanceClass: db.m7g.large', 'instanceClass: t3.micro'), 'database.instanceClass: expected a db.* instance class such as db.t4g.medium, got "t3.micro"'],
  ['storage out of range', edit(aws, 'allocatedStorageGb: 50', 'allocatedStorageGb: 10'), 'database.allocatedStorageGb: expected number to be >=20, got 10'],
  ['backups out of range', edit(aws, 'backupRetentionDays: 14', 'backupRetentionDays: 40'), 'database.backupRetentionDays: expected number to be <=35, got 40'],
  ['short backups in production', edit(aws, 'backupRetentionDays: 14', 'backupRetentionDays: 7'), 'database.backupRetentionDays: production keeps backups for at least 14 days, got 7'],
  ['a Fargate CPU size', edit(aws, 'tracking:\n', 'tracking:\n  cpu: 3000\n'), 'tracking.cpu: expected a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192, 16384, got 3000'],
  ['a Fargate memory size', edit(aws, 'tracking:\n', 'tracking:\n  cpu: 512\n  memory: 512\n'), 'tracking.memory: Fargate with 512 CPU units takes 1024-4096 MiB in steps of 1024, got 512'],
  ['too few tasks in production', edit(aws, 'minTasks: 2', 'minTasks: 1'), 'tracking.minTasks: production runs at least 2 tasks across AZs, got 1'],
  ['a missing certificate in production', edit(aws, /\n {4}certificateArn: .*/, ''), 'tracking.loadBalancer.certificateArn: production serves HTTPS only: set an ACM certificate ARN, got nothing'],
  ['an unpinned image', edit(aws, 'tracking:\n', 'tracking:\n  image: ghcr.io/mlflow/mlflow:latest\n'), 'tracking.image: expected a pinned image, not :latest, got "ghcr.io/mlflow/mlflow:latest"'],
  ['a duplicate team', edit(aws, '  - name: forecasting', '  - name: vision'), 'teams[1].name: duplicate team name; each must be unique, got "vision"'],
  ['a bad trusted principal', edit(aws, 'arn:aws:iam::123456789012:role/vision-training', 'vision-training'), 'teams[0].trustedPrincipals[0]: expected an IAM principal ARN such as arn:aws:iam::123456789012:role/ml-training, got "vision-training"'],
  ['a subnet outside the VNet', edit(azure, 'postgres: 10.50.2.0/24', 'postgres: 10.51.2.0/24'), 'network.subnets.postgres: must lie inside the VNet 10.50.0.0/16, got "10.51.2.0/24"'],
  ['overlapping subnets', edit(azure, 'privateEndpoints: 10.50.3.0/24', 'privateEndpoints: 10.50.2.128/25'), 'network.subnets.postgres: overlaps subnet privateEndpoints (10.50.2.128/25), got "10.50.2.0/24"'],
  ['Databricks subnets too small', edit(edit(azure, 'databricksPublic: 10.50.4.0/22', 'databricksPublic: 10.50.4.0/23'), 'databricksPrivate: 10.50.8.0/22', 'databricksPrivate: 10.50.8.0/23'), 'network.subnets.databricksPublic: has room for 507 nodes, fewer than databricksWorkspace.minNodes (1000); use a larger subnet, got "10.50.4.0/23"'],
  ['an invalid storage size', edit(azure, 'storageMb: 65536', 'storageMb: 50000'), 'database.storageMb: Invalid input, got 50000'],
  ['an invalid Container Apps CPU', edit(azure, 'cpu: 2', 'cpu: 5'), 'tracking.cpu: expected a Container Apps CPU size: 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4, got 5'],
  ['a host next to a created workspace', edit(azure, 'registry: workspace', 'host: https://adb-1.1.azuredatabricks.net\n  registry: workspace'), 'databricks.host: omit the host: the databricks provider points at the workspace this stack creates, got "https://adb-1.1.azuredatabricks.net"'],
  ['a duplicate environment', edit(dbx, '    - name: preprod', '    - name: acc'), 'databricks.environments[1].name: duplicate environment name; each must be unique, got "acc"'],
  ['an invalid environment name', edit(dbx, '    - name: preprod', '    - name: Pre-Prod'), 'databricks.environments[1].name: expected lowercase letters, digits and _, starting with a letter, at most 20 characters, got "Pre-Prod"'],
  ['a duplicate model', edit(dbx, 'models: [churn, fraud_detection]', 'models: [churn, churn]'), 'databricks.models[1]: duplicate model name; each must be unique, got "churn"'],
  ['a bad service principal id', edit(dbx, 'applicationId: 22222222-3333-4444-5555-666666666666', 'applicationId: 22222222'), 'databricks.environments[1].servicePrincipals[0].applicationId: expected an application id: a lowercase UUID such as 11111111-2222-3333-4444-555555555555, got 22222222'],
  ['a principal in two environments', edit(dbx, 'applicationId: 22222222-3333-4444-5555-666666666666', 'applicationId: 11111111-2222-3333-4444-555555555555'), 'databricks.environments[1].servicePrincipals[0]: duplicate service principal (a principal belongs to one environment only); each must be unique, got "11111111-2222-3333-4444-555555555555"'],
  ['no environments', edit(dbx, /environments:[\s\S]*?models:/, 'environments: []\n  models:'), 'databricks.environments: expected at least one environment'],
  ['a governance-only config without governance', 'name: bad\nenvironment: prod\n', 'databricks: expected object, received undefined, got nothing'],
  ['a suppression without a reason', `${aws}suppressions:\n  - { rule: MLP-DB-5, resource: aws_db_instance.x, reason: later }\n`, 'suppressions[0].reason: expected a written reason of at least 20 characters, got "later"'],
];

describe('bad input sweep: one clear message, non-zero exit, nothing written', () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)('%s', (_what, yaml, message) => {
    const dir = tempDirWith({ 'bad.yaml': yaml, 'good.yaml': good });
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-bad-'));
    const errors: string[] = [];
    const code = runPlatform({ configLocation: dir, outdir, out: () => undefined, err: (l) => errors.push(l) });
    expect(code).toBe(1);
    const problems = errors.join('\n').split('\n').slice(1).map((l) => l.trim());
    expect(problems).toEqual([`${path.join(dir, 'bad.yaml')}${message.match(/^\d+:\d+:/) ? ':' : ': '}${message}`]);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});
