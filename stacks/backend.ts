import { AzurermBackend, LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import { type ResolvedBackend, resolveBackend } from './config/resolve';
import type { BackendConfig } from './config/schema';

/** From a stack's working directory (`cdktf.out/stacks/<name>`) back to the project root. */
const PROJECT_ROOT_FROM_STACK = '../../..';

/** Configures the Terraform backend of a deployment stack. */
export function configureBackend(stack: TerraformStack, stackName: string, config: BackendConfig): void {
  const backend: ResolvedBackend = resolveBackend(config, stackName);
  switch (backend.type) {
    case 'local':
      // A path relative to the stack's working directory keeps the synthesized JSON machine-independent
      // (cdktf's implicit local backend writes an absolute path).
      new LocalBackend(stack, { path: `${PROJECT_ROOT_FROM_STACK}/${backend.path}` });
      return;
    case 's3': {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: backend.encrypt,
        kmsKeyId: backend.kmsKeyId,
      });
      // cdktf 0.21 does not type `use_lockfile` yet (Terraform >= 1.10 S3-native locking).
      if (backend.useLockfile) s3.addOverride('use_lockfile', true);
      return;
    }
    case 'azurerm':
      new AzurermBackend(stack, {
        resourceGroupName: backend.resourceGroupName,
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: backend.key,
        useAzureadAuth: backend.useAzureadAuth,
      });
      return;
  }
}
