import { checkPattern } from './validate';

/** Which component issues the webhook's serving certificate. */
export enum CertificateMode {
  /** The webhook creates its own CA and serving certificate in a Secret and writes the CA bundle itself. */
  SELF_MANAGED = 'selfManaged',
  /** cert-manager issues the certificate; its cainjector writes the CA bundle. */
  CERT_MANAGER = 'certManager',
}

/** A cert-manager issuer to sign the webhook's serving certificate. */
export interface CertManagerIssuer {
  /** Name of the Issuer or ClusterIssuer. */
  readonly name: string;
  /**
   * `Issuer` (in the webhook's namespace) or `ClusterIssuer`.
   * @default "Issuer"
   */
  readonly kind?: string;
  /**
   * API group of the issuer (external issuers have their own).
   * @default "cert-manager.io"
   */
  readonly group?: string;
}

/** Options of {@link WebhookCertificate.certManager}. */
export interface CertManagerOptions {
  /**
   * Issuer that signs the serving certificate.
   * @default - a self-signed `Issuer` named `<name>-selfsigned` is created next to the webhook
   */
  readonly issuer?: CertManagerIssuer;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const ISSUER_KIND = /^[A-Z][A-Za-z0-9]*$/;
const API_GROUP = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * How the webhook gets its TLS certificate. Create one with {@link WebhookCertificate.selfManaged} or
 * {@link WebhookCertificate.certManager}.
 */
export class WebhookCertificate {
  /**
   * The webhook generates and rotates its own CA and serving certificate, stores them in a Secret shared by its
   * replicas and writes the CA bundle into its MutatingWebhookConfiguration. Needs nothing else installed.
   */
  public static selfManaged(): WebhookCertificate {
    return new WebhookCertificate(CertificateMode.SELF_MANAGED, undefined);
  }

  /** cert-manager issues the serving certificate and its cainjector writes the CA bundle. */
  public static certManager(options: CertManagerOptions = {}): WebhookCertificate {
    const issuer = options.issuer;
    if (issuer) {
      checkPattern('certificate issuer.name', issuer.name, DNS_SUBDOMAIN, 'a DNS subdomain name');
      if (issuer.kind !== undefined) {
        checkPattern('certificate issuer.kind', issuer.kind, ISSUER_KIND, 'a Kind such as "ClusterIssuer"');
      }
      if (issuer.group !== undefined) {
        checkPattern(
          'certificate issuer.group',
          issuer.group,
          API_GROUP,
          'an API group such as "cert-manager.io"',
        );
      }
    }
    return new WebhookCertificate(
      CertificateMode.CERT_MANAGER,
      issuer && {
        name: issuer.name,
        kind: issuer.kind ?? 'Issuer',
        group: issuer.group ?? 'cert-manager.io',
      },
    );
  }

  private constructor(
    /** Who issues the certificate. */
    public readonly mode: CertificateMode,
    /** The user's issuer in cert-manager mode, with defaults filled in; undefined when the construct creates one. */
    public readonly issuer: CertManagerIssuer | undefined,
  ) {}
}
