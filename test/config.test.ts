import * as path from 'node:path';
import { ConfigError, loadDeployments, parseDeployment } from '../stacks/config/load';
import { rejectionsOf, tempDirWith } from './helpers';

const minimal = `name: sandbox
environment: dev
cloud: aws
region: eu-west-1
`;

/** The problems the loader reports for one YAML document. */
const problemsOf = (text: string): string[] => rejectionsOf(text, 'deployments/x.yaml');

/** The messages of the ConfigError that `fn` throws. */
function configErrorOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('valid configs', () => {
  it('parses a minimal AWS deployment and resolves defaults', () => {
    const result = parseDeployment(minimal, 'deployments/sandbox.yaml');
    expect(result).toEqual({
      ok: true,
      config: expect.objectContaining({
        name: 'sandbox',
        environment: 'dev',
        production: false,
        cloud: 'aws',
        region: 'eu-west-1',
        tags: {},
        backend: { type: 'local' },
        source: 'deployments/sandbox.yaml',
      }),
    });
  });

  it.each([
    ['prod', undefined, true],
    ['production', undefined, true],
    ['acc', undefined, false],
    ['prod', false, false],
    ['preprod', true, true],
  ])('environment %s with production %s is production: %s', (environment, production, expected) => {
    const text = `${minimal.replace('environment: dev', `environment: ${environment}`)}${production === undefined ? '' : `production: ${production}\n`}`;
    const result = parseDeployment(text, 'x.yaml');
    expect(result.ok && result.config.production).toBe(expected);
  });

  it('fills backend defaults for s3 and azurerm', () => {
    const s3 = parseDeployment(`${minimal}backend: { type: s3, bucket: tf-state, region: eu-west-1 }\n`, 'x.yaml');
    expect(s3.ok && s3.config.backend).toEqual({ type: 's3', bucket: 'tf-state', region: 'eu-west-1', encrypt: true, useLockfile: true });
    const az = parseDeployment(
      `${minimal}backend: { type: azurerm, storageAccountName: tfstate01, containerName: tfstate }\n`,
      'x.yaml',
    );
    expect(az.ok && az.config.backend).toEqual({ type: 'azurerm', storageAccountName: 'tfstate01', containerName: 'tfstate', useAzureadAuth: true });
  });
});

describe('bad input: one message with file, field path, bad value and what is allowed', () => {
  it('reports YAML syntax errors with file, line and column', () => {
    expect(problemsOf('name: a\nenvironment: [dev\n')).toEqual([
      expect.stringMatching(/^deployments\/x\.yaml:\d+:\d+: invalid YAML: /),
    ]);
  });

  it('reports duplicate YAML keys', () => {
    expect(problemsOf(`${minimal}region: eu-west-2\n`)).toEqual([
      expect.stringMatching(/^deployments\/x\.yaml:5:1: invalid YAML: Map keys must be unique/),
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([
      'deployments/x.yaml: expected a mapping of deployment fields (name, environment, ...), got a list',
    ]);
    expect(problemsOf('')).toEqual(['deployments/x.yaml: expected a mapping of deployment fields (name, environment, ...), got null']);
  });

  it('rejects unknown keys, naming the allowed ones', () => {
    expect(problemsOf(`${minimal}regoin: eu-west-1\n`)).toEqual([
      expect.stringMatching(/^deployments\/x\.yaml: regoin: unknown field; allowed fields here: name, environment, production, tags, backend, suppressions, cloud, region, /),
    ]);
    expect(problemsOf(`${minimal}backend: { type: s3, bucket: tf-state, region: r, encrypted: true }\n`)).toEqual([
      expect.stringContaining('deployments/x.yaml: backend.encrypted: unknown field; allowed fields here: type, bucket, key, region, encrypt, useLockfile, kmsKeyId'),
    ]);
  });

  it('rejects an invalid stack name with the value and the rule', () => {
    expect(problemsOf(minimal.replace('name: sandbox', 'name: My_Stack'))).toEqual([
      'deployments/x.yaml: name: expected lowercase letters, digits and dashes, starting with a letter, not ending with a dash, at most 40 characters, got "My_Stack"',
    ]);
  });

  it('rejects wrong types with the expected type and the value', () => {
    expect(problemsOf(`${minimal}production: "yes"\n`)).toEqual(['deployments/x.yaml: production: expected boolean, received string, got "yes"']);
  });

  it('rejects an unknown cloud', () => {
    expect(problemsOf(minimal.replace('cloud: aws', 'cloud: gcp'))).toEqual([
      'deployments/x.yaml: cloud: expected "aws" or "azure", or no cloud for a governance-only deployment, got "gcp"',
    ]);
  });

  it('requires the region of an AWS deployment and rejects the Azure location there', () => {
    expect(problemsOf('name: a\nenvironment: dev\ncloud: aws\nlocation: westeurope\n')).toEqual([
      'deployments/x.yaml: region: expected an AWS region such as eu-west-1, got nothing',
      expect.stringMatching(/^deployments\/x\.yaml: location: unknown field; /),
    ]);
  });

  it('rejects an unknown backend type', () => {
    expect(problemsOf(`${minimal}backend: { type: gcs }\n`)).toEqual([
      expect.stringMatching(/^deployments\/x\.yaml: backend\.type: .*"local".*"s3".*"azurerm".*, got "gcs"$/),
    ]);
  });

  it('rejects an absolute local state path', () => {
    expect(problemsOf(`${minimal}backend: { type: local, path: /tmp/x.tfstate }\n`)).toEqual([
      'deployments/x.yaml: backend.path: expected a relative path (absolute paths make snapshots machine-dependent), got "/tmp/x.tfstate"',
    ]);
  });
});

describe('loading files and folders', () => {
  it('loads every YAML file of a folder, sorted', () => {
    const dir = tempDirWith({
      'b.yaml': minimal.replace('sandbox', 'bravo'),
      'a.yml': minimal.replace('sandbox', 'alpha'),
      'notes.txt': 'not a config',
    });
    expect(loadDeployments(dir).map((d) => d.name)).toEqual(['alpha', 'bravo']);
  });

  it('loads a single file', () => {
    const dir = tempDirWith({ 'one.yaml': minimal });
    expect(loadDeployments(path.join(dir, 'one.yaml')).map((d) => d.name)).toEqual(['sandbox']);
  });

  it('rejects duplicate stack names across files', () => {
    const dir = tempDirWith({ 'a.yaml': minimal, 'b.yaml': minimal });
    expect(configErrorOf(() => loadDeployments(dir))).toEqual([
      `${path.join(dir, 'b.yaml')}: name: duplicate stack name "sandbox", already used by ${path.join(dir, 'a.yaml')}; names must be unique`,
    ]);
  });

  it('rejects an empty folder', () => {
    const dir = tempDirWith({});
    expect(configErrorOf(() => loadDeployments(dir))).toEqual([
      `${dir}: no deployment configs found (expected one or more *.yaml files)`,
    ]);
  });

  it('rejects a missing file or folder', () => {
    expect(configErrorOf(() => loadDeployments('/nonexistent/configs'))).toEqual([
      '/nonexistent/configs: no such config file or folder',
    ]);
  });

  it('reports the problems of every file at once', () => {
    const dir = tempDirWith({ 'a.yaml': 'name: [', 'b.yaml': minimal.replace('region: eu-west-1', 'region: europe') });
    const problems = configErrorOf(() => loadDeployments(dir));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/a\.yaml:1:\d+: invalid YAML/);
    expect(problems[1]).toBe(`${path.join(dir, 'b.yaml')}: region: expected an AWS region such as eu-west-1, got "europe"`);
  });
});
