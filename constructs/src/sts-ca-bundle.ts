import { CONFIG_KEY, DNS1123_SUBDOMAIN, WEBHOOK_FLAGS } from '@imds-emulator/contract';
import type { IConfigMap, ISecret } from 'cdk8s-plus-27';
import { check } from './validate';

/** Where an {@link StsCaBundle} is kept. */
export enum StsCaBundleSource {
  /** A ConfigMap (e.g. one trust-manager distributes to every namespace). */
  CONFIG_MAP = 'configMap',
  /** A Secret. */
  SECRET = 'secret',
}

/**
 * CA certificates (PEM) the injected sidecars trust for their STS endpoint (`sidecarStsEndpoint`), from a key of a
 * ConfigMap or Secret of the same name in each opted-in pod's namespace. The webhook mounts the key into the sidecar
 * and names it in `NODE_EXTRA_CA_CERTS`.
 */
export class StsCaBundle {
  /** The CA bundle in `key` of a ConfigMap. */
  public static fromConfigMap(configMap: IConfigMap, key?: string): StsCaBundle {
    return new StsCaBundle(StsCaBundleSource.CONFIG_MAP, configMap.name, key);
  }

  /** The CA bundle in `key` of a Secret. */
  public static fromSecret(secret: ISecret, key?: string): StsCaBundle {
    return new StsCaBundle(StsCaBundleSource.SECRET, secret.name, key);
  }

  /** Key of the bundle in the ConfigMap or Secret. */
  public readonly key: string;

  private constructor(
    /** ConfigMap or Secret. */
    public readonly source: StsCaBundleSource,
    /** Name of the ConfigMap or Secret (in each pod's namespace). */
    public readonly name: string,
    key: string | undefined,
  ) {
    check('sidecarStsCaBundle name', DNS1123_SUBDOMAIN, name);
    this.key = key ?? WEBHOOK_FLAGS.stsCaBundleKey.default;
    check('sidecarStsCaBundle key', CONFIG_KEY, this.key);
  }
}
