import * as path from 'node:path';
import { clientConfig, readStackOutputs } from '../cli/client/client-config';
import { type Synthesized, configFrom, onlyResource, serviceTaskDefinition, synthOnce } from './helpers';
import { minimalAws } from './fixtures/minimal';

/**
 * Day-2 operations, item "large artifacts through the proxy".
 * - `mlflow server` runs uvicorn by default in MLflow 3 (mlflow/server/__init__.py _run_server) and uvicorn
 *   reads its options from UVICORN_* variables (encode/uvicorn uvicorn/main.py, auto_envvar_prefix): the
 *   keep-alive outlives the load balancer's idle timeout, so the load balancer never reuses a connection
 *   the server already closed (sporadic 502s). Uvicorn has no request timeout.
 * - The proxy buffers an upload in /tmp before it writes it to the store: ephemeral storage is sized for it.
 */

const aws = (environment: string, tracking = '') =>
  minimalAws({ environment, tracking, extra: environment === 'prod' ? 'alarms:\n  emails: [a@example.com]\n' : '' });

const serverEnv = (json: Synthesized) => {
  const containers = JSON.parse(String(serviceTaskDefinition(json).container_definitions)) as { name: string; environment: { name: string; value: string }[] }[];
  return Object.fromEntries((containers.find((c) => c.name === 'mlflow')?.environment ?? []).map((e) => [e.name, e.value]));
};

describe('AWS: timeouts and storage for multi-GB uploads', () => {
  it('gives the load balancer a 600 s idle timeout and the server a keep-alive 5 s longer', () => {
    const json = synthOnce(configFrom(aws('dev')));
    expect(onlyResource(json, 'aws_lb').idle_timeout).toBe(600);
    expect(serverEnv(json).UVICORN_TIMEOUT_KEEP_ALIVE).toBe('605');
  });

  it('follows tracking.uploadIdleTimeoutSeconds, within the load balancer limits (60-4000)', () => {
    const json = synthOnce(configFrom(aws('dev', '  uploadIdleTimeoutSeconds: 1800\n')));
    expect(onlyResource(json, 'aws_lb').idle_timeout).toBe(1800);
    expect(serverEnv(json).UVICORN_TIMEOUT_KEEP_ALIVE).toBe('1805');
    expect(() => configFrom(aws('dev', '  uploadIdleTimeoutSeconds: 5000\n'))).toThrow(/tracking\.uploadIdleTimeoutSeconds/);
  });

  it('gives production tasks 50 GiB of ephemeral storage, others the Fargate default, configurable 21-200', () => {
    expect(serviceTaskDefinition(synthOnce(configFrom(aws('prod')))).ephemeral_storage).toEqual({ size_in_gib: 50 });
    expect(serviceTaskDefinition(synthOnce(configFrom(aws('dev')))).ephemeral_storage).toBeUndefined();
    expect(serviceTaskDefinition(synthOnce(configFrom(aws('dev', '  ephemeralStorageGb: 120\n')))).ephemeral_storage).toEqual({ size_in_gib: 120 });
    expect(() => configFrom(aws('dev', '  ephemeralStorageGb: 20\n'))).toThrow(/tracking\.ephemeralStorageGb/);
  });
});

describe('Azure: keep-alive beyond the Container Apps ingress timeout', () => {
  it('sets the keep-alive above the 240 s ingress request timeout', () => {
    const json = synthOnce(configFrom('name: t\nenvironment: dev\ncloud: azure\nlocation: westeurope\ndatabase: {}\nartifacts: {}\ntracking: {}\n'));
    const template = onlyResource(json, 'azurerm_container_app').template as { container: { env: { name: string; value?: string }[] }[] };
    expect(template.container[0].env).toContainEqual({ name: 'UVICORN_TIMEOUT_KEEP_ALIVE', value: '245' });
  });
});

describe('client settings: multipart uploads through the proxy', () => {
  const fixture = (stack: string) => path.join(__dirname, 'fixtures', 'outputs', `${stack}.json`);
  it('turns multipart on for S3-backed servers (clients fall back to a single upload where unsupported)', () => {
    expect(clientConfig(readStackOutputs(fixture('aws-dev'), 'aws-dev'), { stack: 'aws-dev' }).env).toContain('MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true');
  });
  it('leaves it off for Azure (not verified against a storage account without shared keys)', () => {
    expect(clientConfig(readStackOutputs(fixture('azure-dev'), 'azure-dev'), { stack: 'azure-dev' }).env).not.toContain('MULTIPART');
  });
});
