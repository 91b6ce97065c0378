import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DATA_BEARING_TYPES } from '../policy';
import type { StackJson } from '../policy/types';
import { diffStack, flatten, isSensitive } from '../cli/review/diff';
import { CONDITIONAL_REPLACEMENT, FORCE_NEW, replacementReason } from '../cli/review/force-new';
import { markdownReport, textReport } from '../cli/review/report';
import { parseReviewArgs, runReview } from '../cli/review/run';
import { AWS_DEV, DBX_GOVERNANCE, edit, withName } from './fixtures/configs';

const ROOT = path.join(__dirname, '..');
const ctx = { base: 'main', commit: '0123456789abcdef', configLocation: 'config', allowDataLoss: false };

/** A stack of resources `{ type: { name: block } }`. */
const stack = (resource: Record<string, Record<string, Record<string, unknown>>>, extra: Record<string, unknown> = {}): StackJson => ({
  terraform: { backend: { local: { path: 'x' } } },
  resource,
  ...extra,
});

describe('the change between two synthesized stacks', () => {
  it('lists added, removed and changed resources with old → new values', () => {
    const d = diffStack(
      's',
      stack({ aws_s3_bucket: { b: { bucket: 'a', tags: { team: 'x' } } }, aws_sqs_queue: { q: {} } }),
      stack({ aws_s3_bucket: { b: { bucket: 'a', tags: { team: 'y' } } }, aws_sns_topic: { t: {} } }),
    );
    expect(d.status).toBe('changed');
    expect(d.added).toEqual(['aws_sns_topic.t']);
    expect(d.removed).toEqual(['aws_sqs_queue.q']);
    expect(d.changed).toEqual([{ address: 'aws_s3_bucket.b', type: 'aws_s3_bucket', attributes: [{ path: 'tags.team', before: 'x', after: 'y', sensitive: false }] }]);
    expect(d.dataLoss).toEqual([]);
  });

  it('flags a removed data-bearing resource as DATA LOSS', () => {
    const d = diffStack('s', stack({ aws_db_instance: { db: {} }, aws_s3_bucket: { b: {} } }), stack({ aws_s3_bucket: { b: {} } }));
    expect(d.dataLoss).toEqual([{ address: 'aws_db_instance.db', reason: 'removed: Terraform destroys it and its data' }]);
  });

  it('flags a change to an attribute that forces a new resource as DATA LOSS, and an in-place update not', () => {
    const base = stack({ aws_db_instance: { db: { storage_encrypted: true, backup_retention_period: 7 } } });
    const inPlace = diffStack('s', base, stack({ aws_db_instance: { db: { storage_encrypted: true, backup_retention_period: 14 } } }));
    expect(inPlace.dataLoss).toEqual([]);
    const replaced = diffStack('s', base, stack({ aws_db_instance: { db: { storage_encrypted: false, backup_retention_period: 7 } } }));
    expect(replaced.dataLoss).toEqual([{ address: 'aws_db_instance.db', reason: 'replaced (destroyed and re-created): storage_encrypted forces a new resource' }]);
  });

  it('judges nested ForceNew attributes and conditional ones (azurerm storage scaled down, LRS → ZRS)', () => {
    const ws = (vnet: string) => stack({ azurerm_databricks_workspace: { w: { custom_parameters: { virtual_network_id: vnet, no_public_ip: true } } } });
    expect(diffStack('s', ws('a'), ws('b')).dataLoss).toHaveLength(1);
    const pg = (mb: number) => stack({ azurerm_postgresql_flexible_server: { p: { storage_mb: mb } } });
    expect(diffStack('s', pg(32768), pg(65536)).dataLoss).toEqual([]);
    expect(diffStack('s', pg(65536), pg(32768)).dataLoss[0].reason).toMatch(/scaling storage_mb down/);
    // aws internal/service/logs/group.go: log_group_class Optional + Computed + ForceNew (unset = STANDARD).
    const lg = (c?: string) => stack({ aws_cloudwatch_log_group: { g: { name: '/x', ...(c ? { log_group_class: c } : {}) } } });
    expect(diffStack('s', lg(), lg('INFREQUENT_ACCESS')).dataLoss).toEqual([{ address: 'aws_cloudwatch_log_group.g', reason: expect.stringMatching(/a different log_group_class forces a new log group/) }]);
    expect(diffStack('s', lg(), lg('STANDARD')).dataLoss).toEqual([]);
    expect(diffStack('s', lg('INFREQUENT_ACCESS'), lg('STANDARD')).dataLoss).toHaveLength(1);
    const sa = (r: string) => stack({ azurerm_storage_account: { a: { account_replication_type: r } } });
    expect(diffStack('s', sa('LRS'), sa('GRS')).dataLoss).toEqual([]);
    expect(diffStack('s', sa('LRS'), sa('ZRS')).dataLoss).toHaveLength(1);
  });

  it('follows a moved block: a renamed resource is neither removed nor lost', () => {
    const d = diffStack('s', stack({ aws_db_instance: { old: { engine: 'postgres' } } }), stack({ aws_db_instance: { new: { engine: 'postgres' } } }, { moved: [{ from: 'aws_db_instance.old', to: 'aws_db_instance.new' }] }));
    expect(d.removed).toEqual([]);
    expect(d.added).toEqual([]);
    expect(d.changed).toEqual([{ address: 'aws_db_instance.new', type: 'aws_db_instance', movedFrom: 'aws_db_instance.old', attributes: [] }]);
    expect(d.dataLoss).toEqual([]);
  });

  it('tells a stack added from a stack removed; a removed stack loses its data', () => {
    const s = stack({ azurerm_key_vault: { kv: {} }, azurerm_resource_group: { rg: {} } });
    expect(diffStack('s', undefined, s)).toMatchObject({ status: 'added', added: ['azurerm_key_vault.kv', 'azurerm_resource_group.rg'], dataLoss: [] });
    expect(diffStack('s', s, undefined)).toMatchObject({ status: 'removed', removed: ['azurerm_key_vault.kv', 'azurerm_resource_group.rg'], dataLoss: [{ address: 'azurerm_key_vault.kv' }] });
  });

  it('reports a changed backend (where the state lives) as a stack setting', () => {
    const d = diffStack('s', stack({}), { terraform: { backend: { s3: { bucket: 'b' } } }, resource: {} });
    expect(d.settings.map((s) => s.path)).toEqual(['terraform.backend.local.path', 'terraform.backend.s3.bucket']);
  });

  it('expands JSON documents embedded in strings, so a policy change reads as one statement', () => {
    expect(flatten({ policy: '{"Statement":[{"Action":"s3:GetObject"}]}' })).toEqual(new Map([['policy{}.Statement[0].Action', 's3:GetObject']]));
  });
});

describe('secrets and write-only values in the review', () => {
  it.each([
    ['aws_db_instance', 'password'],
    ['aws_db_instance', 'password_wo'],
    ['aws_secretsmanager_secret_version', 'secret_string_wo'],
    ['aws_secretsmanager_secret_version', 'secret_string'],
    ['azurerm_key_vault_secret', 'value'],
    ['azurerm_key_vault_secret', 'value_wo'],
    ['azurerm_postgresql_flexible_server', 'administrator_password_wo'],
    ['azurerm_container_app', 'secret[0].value'],
  ])('%s.%s is never printed', (type, attribute) => {
    expect(isSensitive(type, attribute)).toBe(true);
    const d = diffStack('s', stack({ [type]: { r: { [attribute.split('.')[0]]: 'hunter2-old' } } }), stack({ [type]: { r: { [attribute.split('.')[0]]: 'hunter2-new' } } }));
    for (const text of [textReport([d], ctx), markdownReport([d], ctx)]) {
      expect(text).not.toContain('hunter2');
      expect(text).toContain('(sensitive value)');
    }
  });

  it('shows ordinary values', () => {
    expect(isSensitive('aws_db_instance', 'backup_retention_period')).toBe(false);
    expect(isSensitive('aws_ecs_task_definition', 'container_definitions{}[0].secrets[0].valueFrom')).toBe(false);
  });
});

describe('the list of attributes that force a new resource (cli/review/replacement-attributes.json)', () => {
  it('covers every data-bearing type and names its upstream source', () => {
    expect(Object.keys(FORCE_NEW).sort()).toEqual([...DATA_BEARING_TYPES].sort());
    for (const [type, entry] of Object.entries(FORCE_NEW)) {
      expect({ type, source: entry.source }).toEqual({ type, source: expect.stringMatching(/^(hashicorp|databricks)\/terraform-provider-/) });
      expect(entry.attributes.length).toBeGreaterThan(0);
      expect([...entry.attributes].sort()).toEqual(entry.attributes);
    }
  });

  it('has a decision for every conditional attribute', () => {
    const conditional = Object.entries(FORCE_NEW).flatMap(([type, e]) => Object.keys(e.conditional ?? {}).map((a) => `${type}.${a}`));
    expect(conditional.sort()).toEqual(Object.keys(CONDITIONAL_REPLACEMENT).sort());
  });

  it.each([
    // azurerm v4.55.0 website/docs/r/*.html.markdown "Changing this forces a new resource to be created"
    ['azurerm_postgresql_flexible_server', 'delegated_subnet_id', true],
    ['azurerm_postgresql_flexible_server', 'sku_name', false],
    ['azurerm_storage_account', 'is_hns_enabled', true],
    ['azurerm_storage_account', 'min_tls_version', false],
    ['azurerm_key_vault', 'name', true],
    ['azurerm_key_vault', 'purge_protection_enabled', false],
    // databricks v1.99.0 docs/resources/*.md and workspace/resource_directory.go
    ['databricks_directory', 'path', true],
    ['databricks_registered_model', 'name', true],
    ['databricks_schema', 'catalog_name', true],
    ['databricks_catalog', 'comment', false],
    // aws internal/service/rds/instance.go, s3/bucket.go schemas
    ['aws_db_instance', 'kms_key_id', true],
    ['aws_db_instance', 'instance_class', false],
    ['aws_s3_bucket', 'bucket', true],
    // aws internal/service/logs/group.go (log_group_class: conditional, tested above)
    ['aws_cloudwatch_log_group', 'name', true],
    ['aws_cloudwatch_log_group', 'retention_in_days', false],
  ])('%s.%s forces a new resource: %s', (type, attribute, forces) => {
    expect(replacementReason(type, attribute, 'a', 'b') !== undefined).toBe(forces);
  });
});

describe('review arguments', () => {
  it('parses the flags and rejects the unknown', () => {
    expect(parseReviewArgs(['--base', 'origin/main', '--format=markdown', '--allow-data-loss'])).toEqual({ base: 'origin/main', format: 'markdown', allowDataLoss: true, outputFile: undefined });
    expect(parseReviewArgs([])).toMatch(/--base <git-ref> is required/);
    expect(parseReviewArgs(['--base', 'main', '--format', 'html'])).toMatch(/--format: expected text or markdown/);
    expect(parseReviewArgs(['--base', 'main', '--force'])).toBe('unknown argument "--force"');
  });
});

// ---------- against real git repositories built here ----------

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A new git repository with `files` committed on branch main. */
function repoWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-platform-review-repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (text === null) fs.rmSync(file);
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }
}

function review(configLocation: string, args: string[], projectRoot?: string) {
  const options = parseReviewArgs(args);
  if (typeof options === 'string') throw new Error(options);
  const out: string[] = [];
  const err: string[] = [];
  const code = runReview({ ...options, configLocation, projectRoot, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run review with MLFLOW_PLATFORM_CONFIG in another git repository', () => {
  const keep = withName(AWS_DEV, 'keep');
  const repo = repoWith({ 'deployments/keep.yaml': keep, 'deployments/gone.yaml': withName(DBX_GOVERNANCE, 'gone') });
  const configs = path.join(repo, 'deployments');
  writeFiles(repo, {
    'deployments/keep.yaml': edit(keep, 'minTasks: 1', 'minTasks: 2'),
    'deployments/gone.yaml': null,
    'deployments/new.yaml': withName(AWS_DEV, 'new'),
  });

  it('reports stacks added, removed and changed, and fails on the removed stack\'s data', () => {
    const r = review(configs, ['--base', 'main']);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^gone: stack removed$/m);
    expect(r.out).toMatch(/^new: stack added$/m);
    expect(r.out).toMatch(/^new: stack added\n( {2}\+ \S+\n)* {2}\+ aws_db_instance\.\S+\n/m);
    expect(r.out).toMatch(/^keep: changed$/m);
    expect(r.out).toMatch(/^ {6}min_capacity: 1 → 2$/m);
    expect(r.out).toMatch(/^ {2}DATA LOSS databricks_mlflow_model\.\S+: removed: Terraform destroys it and its data$/m);
    expect(r.out).toMatch(/DATA LOSS: \d+ finding\(s\)\.$/);
  });

  it('exits 0 with --allow-data-loss and writes the Markdown report for a pull-request comment', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'review-md-')), 'review.md');
    const r = review(configs, ['--base', 'main', '--allow-data-loss', '--format', 'markdown', '--output', file]);
    expect(r.code).toBe(0);
    const md = fs.readFileSync(file, 'utf8');
    expect(md).toContain('## MLflow platform: change review');
    expect(md).toContain('### `gone`: stack removed');
    expect(md).toMatch(/^- \*\*DATA LOSS\*\* `databricks_mlflow_model\.\S+`: removed/m);
    expect(md).toMatch(/^\| `aws_appautoscaling_target\.\S+` \| `min_capacity` \| `1` \| `2` \|$/m);
    expect(md).toContain('allowed with --allow-data-loss');
  });

  it('resolves the base in the configs\' repository and explains an unknown ref', () => {
    const r = review(configs, ['--base', 'no-such-branch']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`review: --base no-such-branch: no such commit, branch or tag in ${fs.realpathSync(repo)} (fetch it first, e.g. git fetch origin no-such-branch)`);
  });

  it('treats configs that did not exist at the base as all added', () => {
    writeFiles(repo, { 'later/one.yaml': withName(AWS_DEV, 'one') });
    const r = review(path.join(repo, 'later'), ['--base', 'main']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^one: stack added$/m);
  });

  it('reads MLFLOW_PLATFORM_CONFIG through the command entry (npm run review)', () => {
    const r = spawnSync(process.execPath, ['-r', './cli/register.js', 'cli/review.ts', '--base', 'main', '--allow-data-loss'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, MLFLOW_PLATFORM_CONFIG: configs },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^gone: stack removed$/m);
  });

  it('refuses a config folder outside any git repository', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-git-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), AWS_DEV);
    const r = review(dir, ['--base', 'main']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not inside a git repository/);
  });
});

describe('npm run review with the configs in this project\'s repository', () => {
  // A copy of this project's code at the base commit, whose tag constant differs: the base is
  // synthesized with the base's own code, so a code change shows up in the review.
  it('synthesizes the base with the base\'s code and configs (node_modules reused from this tree)', () => {
    const tracked = git(ROOT, 'ls-files', '--', 'main.ts', 'tsconfig.json', 'package.json', 'constructs', 'policy', 'stacks').split('\n');
    const files: Record<string, string> = Object.fromEntries(tracked.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
    files['constructs/shared/tags.ts'] = edit(files['constructs/shared/tags.ts'], "MANAGED_BY = 'mlflow-platform'", "MANAGED_BY = 'old-platform'");
    files['config/aws.yaml'] = withName(AWS_DEV, 'aws');
    const repo = repoWith(files);
    writeFiles(repo, { 'config/aws.yaml': edit(withName(AWS_DEV, 'aws'), 'cost-center: ml-platform', 'cost-center: research') });
    const r = review(path.join(repo, 'config'), ['--base', 'main'], repo);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('provider.aws[0].default_tags[0].tags.managed-by: "old-platform" → "mlflow-platform"');
    expect(r.out).toContain('provider.aws[0].default_tags[0].tags.cost-center: "ml-platform" → "research"');
  });
});

describe('the Markdown report', () => {
  const changed = diffStack('big', stack({ aws_s3_bucket: { b: { bucket: 'old' } } }), stack({ aws_s3_bucket: { b: { bucket: 'new' } } }));
  const same = diffStack('same', stack({}), stack({}));

  it('lists every data-loss finding at the top and unchanged stacks on one line', () => {
    const md = markdownReport([changed, same], ctx);
    expect(md.split('\n').slice(4, 8)).toEqual([
      '> **DATA LOSS**: 2 stack(s), 1 with changes. DATA LOSS: 1 finding(s).',
      '',
      '- **DATA LOSS** in `big`: `aws_s3_bucket.b`: replaced (destroyed and re-created): bucket forces a new resource',
      '',
    ]);
    expect(md).toContain('No changes: `same`.');
    expect(md).not.toContain('### `same`');
    expect(md).toContain('| `aws_s3_bucket.b` | `bucket` **forces replacement** | `"old"` | `"new"` |');
  });

  it('stays under the size GitHub accepts for a comment, and says it was cut', () => {
    const many = diffStack(
      'many',
      stack({ aws_sns_topic: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`t${i}`, { tags: { team: 'a' } }])) }),
      stack({ aws_sns_topic: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`t${i}`, { tags: { team: 'b' } }])) }),
    );
    const md = markdownReport([many], ctx);
    expect(md.length).toBeLessThan(65536);
    expect(md).toMatch(/report truncated at 60000 characters/);
  });
});

describe('the review command entry (cli/review.ts)', () => {
  it('prints the usage and exits 2 without --base', () => {
    const r = spawnSync(process.execPath, ['-r', './cli/register.js', 'cli/review.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('review: --base <git-ref> is required (e.g. --base origin/main)\nusage: npm run review -- --base <git-ref> [--format text|markdown] [--output <file>] [--allow-data-loss]\n');
  });
});
