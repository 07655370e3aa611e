/**
 * The answers `--serve-region` adds: `placement/region`, `placement/availability-zone` (only when the zone is known)
 * and the instance identity document. Pure, built once at start: none of it changes while the sidecar runs.
 *
 * The document holds only what is true of the pod: `accountId` (the role's account), `region` and, when known,
 * `availabilityZone`. Every other field a real document carries (instanceId, imageId, instanceType, privateIp,
 * pendingTime, architecture, version, billingProducts, ...) is left out, so the SDKs that decode it into a struct
 * (aws-sdk-go v1 `EC2InstanceIdentityDocument`, v2 `InstanceIdentityDocument`, Java v1 `InstanceInfo`) read them as
 * empty, zero or null — values no real instance has — and nothing can mistake the pod for an EC2 instance.
 */
import { type Prepared, prepare } from './credentials-document';

export interface RegionAnswers {
  readonly region: Prepared;
  /** Undefined when the zone is not known: the path then answers 404. */
  readonly availabilityZone?: Prepared;
  readonly document: Prepared;
}

/**
 * `zone` if it lies in `region`: its region plus one letter, the form botocore turns back into the region (a Local
 * Zone such as `us-east-1-bos-1a` would give botocore a wrong region, so it is not served). Else undefined.
 */
export function zoneInRegion(region: string, zone: string | undefined): string | undefined {
  return zone !== undefined && zone.length === region.length + 1 && zone.startsWith(region)
    ? zone
    : undefined;
}

export function regionAnswers(region: string, accountId: string, zone: string | undefined): RegionAnswers {
  const known = zoneInRegion(region, zone);
  const document = { accountId, region, ...(known === undefined ? {} : { availabilityZone: known }) };
  return {
    region: prepare(region, 'text/plain'),
    availabilityZone: known === undefined ? undefined : prepare(known, 'text/plain'),
    document: prepare(JSON.stringify(document, null, 2), 'text/plain'),
  };
}
