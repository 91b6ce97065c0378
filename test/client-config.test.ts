import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClientConfigError, adminSecret, artifactRoot, clientConfig, readStackOutputs } from '../cli/client/client-config';
import { configFrom, synth, tempDirWith } from './helpers';
import { FIXTURE_CONFIGS } from './fixtures/configs';

const FIXTURES = path.join(__dirname, 'fixtures', 'outputs');
const fixture = (stack: string) => path.join(FIXTURES, `${stack}.json`);

/** For each fixture stack: which selections a researcher can ask for. */
const SELECTIONS: Record<string, { team?: string; environment?: string }[]> = {
  'aws-dev': [{}, { team: 'vision' }],
  'aws-prod': [{ team: 'forecasting' }],
  'azure-dev': [{ team: 'vision' }],
  'azure-prod': [{ team: 'vision' }, { environment: 'acc' }, { environment: 'production' }],
  'dbx-governance': [{ environment: 'acc' }, { environment: 'production' }],
  'dbx-unity-catalog': [{ environment: 'dev' }, { environment: 'prod' }],
};

describe.each(Object.entries(FIXTURE_CONFIGS).map(([name, text]) => [name, configFrom(text, `${name}.yaml`)] as const))('client config for %s', (stack, config) => {
  it('has a sample outputs file with exactly the outputs the stack declares', () => {
    const declared = Object.keys(synth(config).output ?? {}).sort();
    const sample = JSON.parse(fs.readFileSync(fixture(stack), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(sample[stack]).sort()).toEqual(declared);
  });

  it.each(SELECTIONS[stack].map((s) => [JSON.stringify(s), s] as const))('writes the .env and sheet for %s', (_label, selection) => {
    const result = clientConfig(readStackOutputs(fixture(stack), stack), { stack, ...selection });
    expect(result.env).not.toMatch(/(PASSWORD|SECRET|TOKEN)=\S/);
    expect(result.env).toMatch(/^MLFLOW_TRACKING_URI=\S+$/m);
    expect(result).toMatchSnapshot();
  });
});

describe('client config rules', () => {
  it('configures the environment client: MLFLOW_ENV, Production for production and Staging elsewhere', () => {
    const outputs = readStackOutputs(fixture('dbx-governance'), 'dbx-governance');
    const production = clientConfig(outputs, { stack: 'dbx-governance', environment: 'production' });
    expect(production.env).toMatch(/^MLFLOW_ENV=production$/m);
    expect(production.sheet).toContain('moves every new version to **Production**');
    expect(clientConfig(outputs, { stack: 'dbx-governance', environment: 'acc' }).sheet).toContain('moves every new version to **Staging**');
  });

  it('uses the Unity Catalog registry URI and three-level model names there', () => {
    const uc = clientConfig(readStackOutputs(fixture('dbx-unity-catalog'), 'dbx-unity-catalog'), { stack: 'dbx-unity-catalog', environment: 'dev' });
    expect(uc.env).toContain('MLFLOW_REGISTRY_URI=databricks-uc');
    expect(uc.sheet).toContain('`ml_models.dev.churn`');
  });

  it("selects the team's MLflow workspace (MLFLOW_WORKSPACE) and never a custom artifact location", () => {
    const aws = clientConfig(readStackOutputs(fixture('aws-prod'), 'aws-prod'), { stack: 'aws-prod', team: 'vision' });
    expect(aws.env).toMatch(/^MLFLOW_WORKSPACE=vision$/m);
    expect(aws.sheet).toContain('`workspaces/vision/`');
    expect(aws.sheet).not.toContain('artifact_location=');
  });
});

describe('client config errors are messages', () => {
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ClientConfigError) return e.message;
      throw e;
    }
    throw new Error('expected a ClientConfigError');
  };

  it('missing outputs file', () => {
    expect(error(() => readStackOutputs('/nonexistent/outputs.json', 'aws-dev'))).toBe(
      '/nonexistent/outputs.json: no outputs file; create it with: npx cdktf output aws-dev --outputs-file /nonexistent/outputs.json',
    );
  });

  it('malformed outputs file', () => {
    const file = path.join(tempDirWith({ 'o.json': '{"aws-dev": ' }), 'o.json');
    expect(error(() => readStackOutputs(file, 'aws-dev'))).toMatch(/o\.json: not valid JSON \(.+\); recreate it with: npx cdktf output aws-dev --outputs-file /);
  });

  it('outputs of another stack, or of the wrong shape', () => {
    expect(error(() => readStackOutputs(fixture('aws-dev'), 'aws-prod'))).toMatch(/no outputs for stack "aws-prod" \(stacks in the file: aws-dev\)$/);
    const file = path.join(tempDirWith({ 'o.json': '{"s": {"tracking_uri": 42}}' }), 'o.json');
    expect(error(() => readStackOutputs(file, 's'))).toMatch(/outputs of "s": tracking_uri: Invalid input: expected string, received number$/);
  });

  it('unknown team or environment, and a missing selection', () => {
    const aws = readStackOutputs(fixture('aws-dev'), 'aws-dev');
    expect(error(() => clientConfig(aws, { stack: 'aws-dev', team: 'nlp' }))).toBe('stack "aws-dev" has no team "nlp" (teams: vision, forecasting)');
    expect(error(() => clientConfig(aws, { stack: 'aws-dev', environment: 'acc' }))).toBe('stack "aws-dev" has no Databricks environments; drop --environment');
    const dbx = readStackOutputs(fixture('dbx-governance'), 'dbx-governance');
    expect(error(() => clientConfig(dbx, { stack: 'dbx-governance' }))).toBe('stack "dbx-governance" is Databricks governance: pass --environment <acc|preprod|production>');
    expect(error(() => clientConfig(dbx, { stack: 'dbx-governance', environment: 'qa' }))).toBe('stack "dbx-governance" has no environment "qa" (environments: acc, preprod, production)');
  });
});

describe('cloud-neutral outputs, with the deprecated names of older deployments as fallback', () => {
  const MULTIPART = 'MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true';
  const env = (outputs: Parameters<typeof clientConfig>[0]) => clientConfig(outputs, { stack: 's' }).env;

  it('artifact_root decides S3 multipart uploads by its scheme; artifact_bucket alone still counts as S3', () => {
    expect(artifactRoot({ artifact_root: 's3://b' })).toBe('s3://b');
    expect(artifactRoot({ artifact_bucket: 'b' })).toBe('s3://b');
    expect(artifactRoot({})).toBeUndefined();
    expect(env({ tracking_uri: 'https://x', artifact_root: 's3://b' })).toContain(MULTIPART);
    expect(env({ tracking_uri: 'https://x', artifact_bucket: 'b' })).toContain(MULTIPART);
    expect(env({ tracking_uri: 'https://x', artifact_root: 'wasbs://c@a.blob.core.windows.net/' })).not.toContain(MULTIPART);
  });

  it('admin_secret is an ARN on AWS and a Key Vault id on Azure; the old names are read when it is absent', () => {
    expect(adminSecret({ admin_secret: 'arn:aws:secretsmanager:r:1:secret:x', admin_secret_arn: 'old' })).toEqual({ arn: 'arn:aws:secretsmanager:r:1:secret:x' });
    expect(adminSecret({ admin_secret: 'https://kv.vault.azure.net/secrets/x' })).toEqual({ id: 'https://kv.vault.azure.net/secrets/x' });
    expect(adminSecret({ admin_secret_id: 'https://kv.vault.azure.net/secrets/y' })).toEqual({ arn: undefined, id: 'https://kv.vault.azure.net/secrets/y' });
  });
});
