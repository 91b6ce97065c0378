import type { StackJson } from '../policy/types';
import { diffBlocks, diffStack, flatten, isSensitive } from '../cli/review/diff';
import { textReport } from '../cli/review/report';

/** An ECS-style container definition with `count` env vars E0..E(n-1), optionally one inserted first. */
function containers(inserted?: { name: string; value: string }): string {
  const environment = Array.from({ length: 20 }, (_, i) => ({ name: `E${i}`, value: `v${i}` }));
  return JSON.stringify([{ name: 'mlflow', image: 'img:1', environment: inserted ? [inserted, ...environment] : environment }]);
}

describe('lists in the review are compared by identity, not position', () => {
  it('one env var inserted at the front of a 20-entry list is one added line (positional diff: 41 lines)', () => {
    const changes = diffBlocks('aws_ecs_task_definition', { container_definitions: containers() }, { container_definitions: containers({ name: 'NEW', value: 'x' }) });
    expect(changes.map((c) => [c.path, c.before, c.after])).toEqual([
      ['container_definitions{}[name="mlflow"].environment[name="NEW"].name', undefined, 'NEW'],
      ['container_definitions{}[name="mlflow"].environment[name="NEW"].value', undefined, 'x'],
    ]);
  });

  it('a changed, a removed and an added named entry each read as such', () => {
    const before = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] };
    const after = { env: [{ name: 'A', value: '1' }, { name: 'C', value: '30' }, { name: 'D', value: '4' }] };
    expect(diffBlocks('azurerm_container_app', before, after).map((c) => [c.path, c.before, c.after])).toEqual([
      ['env[name="B"].name', 'B', undefined],
      ['env[name="B"].value', '2', undefined],
      ['env[name="C"].value', '3', '30'],
      ['env[name="D"].name', undefined, 'D'],
      ['env[name="D"].value', undefined, '4'],
    ]);
  });

  it('depends_on is a set: added and removed items, nothing for the entries that stayed', () => {
    const before = { depends_on: ['aws_db_instance.database', 'aws_s3_bucket.artifacts', 'aws_iam_role.task'] };
    const after = { depends_on: ['aws_kms_key.platform', 'aws_db_instance.database', 'aws_iam_role.task'] };
    expect(diffBlocks('aws_ecs_service', before, after).map((c) => [c.path, c.before, c.after])).toEqual([
      ['depends_on["aws_kms_key.platform"]', undefined, 'aws_kms_key.platform'],
      ['depends_on["aws_s3_bucket.artifacts"]', 'aws_s3_bucket.artifacts', undefined],
    ]);
  });

  it('a list of strings that is only reordered is one change of its order (order can matter: a command line)', () => {
    expect(diffBlocks('x', { command: ['a', 'b'] }, { command: ['b', 'a'] }).map((c) => [c.path, c.before, c.after])).toEqual([
      ['command(order)', ['a', 'b'], ['b', 'a']],
    ]);
    expect(diffBlocks('x', { command: ['a', 'b'] }, { command: ['a', 'b'] })).toEqual([]);
  });

  it('falls back to positions for duplicate names, unnamed objects and JSON strings', () => {
    expect([...flatten({ l: [{ name: 'a' }, { name: 'a' }] }).keys()]).toEqual(['l[0].name', 'l[1].name']);
    expect([...flatten({ l: [{ port: 1 }] }).keys()]).toEqual(['l[0].port']);
    expect([...flatten({ l: ['x', 'x'] }).keys()]).toEqual(['l[0]', 'l[1]']);
    expect([...flatten({ l: ['{"a":1}'] }).keys()]).toEqual(['l[0]{}.a']);
  });

  it('hides the value of a named entry whose name is a secret, but not a set item that names a secret resource', () => {
    expect(isSensitive('aws_ecs_task_definition', 'container_definitions{}[name="mlflow"].environment[name="DB_PASSWORD"].value')).toBe(true);
    expect(isSensitive('aws_ecs_task_definition', 'container_definitions{}[name="mlflow"].environment[name="MLFLOW_HOST"].value')).toBe(false);
    expect(isSensitive('aws_ecs_service', 'depends_on["aws_secretsmanager_secret.admin"]')).toBe(false);
  });

  it('still flags a replacement through a keyed path: an added availability zone of an RDS cluster (ForceNew in the provider schema)', () => {
    const stack = (zones: string[]): StackJson => ({ resource: { aws_rds_cluster: { db: { availability_zones: zones } } } });
    const d = diffStack('s', stack(['eu-west-1a', 'eu-west-1b']), stack(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']));
    expect(d.changed[0].attributes.map((c) => [c.path, c.replaces])).toEqual([['availability_zones["eu-west-1c"]', 'availability_zones forces a new resource']]);
    expect(d.dataLoss).toEqual([{ address: 'aws_rds_cluster.db', reason: 'replaced (destroyed and re-created): availability_zones forces a new resource' }]);
    expect(textReport([d], { configLocation: 'config', base: 'main', commit: '0123456789abcdef', allowDataLoss: false })).toContain('availability_zones["eu-west-1c"]: (not set) → "eu-west-1c"  [forces replacement]');
  });
});
