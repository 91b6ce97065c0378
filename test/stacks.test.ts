import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDeployments } from '../stacks/config/load';
import { SHIPPED_CONFIGS, configFrom, expandEmbeddedJson, synth, synthOnce } from './helpers';

/** One snapshot per shipped deployment, for PR review (the address inventory is in addresses.test.ts). */
describe.each(SHIPPED_CONFIGS)('shipped config %s', (file) => {
  it('synthesizes to the reviewed snapshot', () => {
    const [config] = loadDeployments(path.join('config', file));
    expect(expandEmbeddedJson(synthOnce(config))).toMatchSnapshot();
  });
});

describe('deployment stack basics', () => {
  const base = 'name: basics\nenvironment: dev\ncloud: aws\nregion: eu-west-1\n';

  it('applies automatic tags through the AWS provider default_tags; automatic tags win', () => {
    const json = synthOnce(configFrom(`${base}tags: { team: ml, environment: spoofed }\n`));
    expect(json.provider?.aws).toEqual([
      {
        region: 'eu-west-1',
        default_tags: [{ tags: { team: 'ml', deployment: 'basics', environment: 'dev', 'managed-by': 'mlflow-platform' } }],
      },
    ]);
  });

  it('pins the provider versions our bindings wrap and requires Terraform >= 1.11', () => {
    const json = synthOnce(configFrom(base));
    expect(json.terraform.required_providers).toEqual({ aws: { source: 'aws', version: '6.25.0' } });
    expect(json.terraform.required_version).toBe('>= 1.11');
  });

  it('uses a project-relative local state path so snapshots are machine-independent', () => {
    const json = synthOnce(configFrom(base));
    expect(json.terraform.backend).toEqual({ local: { path: '../../../terraform.basics.tfstate' } });
  });

  it('configures an S3 backend with encryption, S3-native locking and one key per stack', () => {
    const json = synthOnce(configFrom(`${base}backend: { type: s3, bucket: tf-state, region: eu-central-1 }\n`));
    expect(json.terraform.backend).toEqual({
      s3: { bucket: 'tf-state', key: 'mlflow-platform/basics.tfstate', region: 'eu-central-1', encrypt: true, use_lockfile: true },
    });
  });

  it('configures an azurerm backend with Entra ID auth', () => {
    const json = synthOnce(
      configFrom(`${base}backend: { type: azurerm, storageAccountName: tfstate01, containerName: tfstate, resourceGroupName: rg-tf }\n`),
    );
    expect(json.terraform.backend).toEqual({
      azurerm: {
        storage_account_name: 'tfstate01',
        container_name: 'tfstate',
        key: 'mlflow-platform/basics.tfstate',
        resource_group_name: 'rg-tf',
        use_azuread_auth: true,
      },
    });
  });

  it('synthesizes identically twice', () => {
    const config = configFrom(base);
    expect(JSON.stringify(synth(config))).toBe(JSON.stringify(synth(config)));
  });
});

describe('layout', () => {
  it('never imports a provider root barrel (ESLint enforces it too)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && /from '@cdktf\/provider-[a-z0-9-]+(\/lib)?'/.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    ['constructs', 'stacks', 'test'].forEach(walk);
    expect(offenders).toEqual([]);
  });
});
