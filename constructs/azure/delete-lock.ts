import type { Construct } from 'constructs';
import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';

/**
 * A CanNotDelete management lock: Azure refuses to delete the resource (whoever asks, Terraform
 * included) until the lock is removed on purpose. The provider-side guard next to `prevent_destroy`.
 */
export function lockAgainstDeletion(scope: Construct, id: string, resourceId: string, what: string): ManagementLock {
  return new ManagementLock(scope, id, {
    name: 'do-not-delete',
    scope: resourceId,
    lockLevel: 'CanNotDelete',
    notes: `Holds ${what} of a production MLflow deployment. Remove this lock on purpose before deleting.`,
  });
}
