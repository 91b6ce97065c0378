import type { Construct } from 'constructs';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint';

export interface PrivateEndpointProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly subnetId: string;
  /** The resource reached through the endpoint. */
  readonly resourceId: string;
  /** Its sub-resource, e.g. `blob` or `vault`. */
  readonly subresource: string;
  /** The private DNS zone the endpoint registers its address in. */
  readonly privateDnsZoneId: string;
}

/** A private endpoint (id `private-endpoint` in `scope`) registered in its private DNS zone. */
export function addPrivateEndpoint(scope: Construct, props: PrivateEndpointProps): PrivateEndpoint {
  return new PrivateEndpoint(scope, 'private-endpoint', {
    name: props.name,
    resourceGroupName: props.resourceGroupName,
    location: props.location,
    subnetId: props.subnetId,
    privateServiceConnection: {
      name: props.subresource,
      privateConnectionResourceId: props.resourceId,
      subresourceNames: [props.subresource],
      isManualConnection: false,
    },
    privateDnsZoneGroup: { name: props.subresource, privateDnsZoneIds: [props.privateDnsZoneId] },
  });
}
