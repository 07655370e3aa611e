import { envName, WEBHOOK_FLAGS } from '@imds-emulator/contract';
import { parseWebhookConfig } from '../../../emulator/src/webhook/server/config';

/** The raw options keyed by flag name as the command hands them over: every default filled in, then the overrides. */
function raw(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const flag of Object.values(WEBHOOK_FLAGS)) {
    values[flag.name] = flag.default === undefined ? undefined : String(flag.default);
  }
  return { ...values, image: 'registry.example/imds-emulator:1.0', ...overrides };
}

describe('webhook configuration', () => {
  it('--sts-ca-bundle-configmap or -secret with --sts-ca-bundle-key name the CA bundle of the sidecars, not both', () => {
    expect(parseWebhookConfig(raw()).settings.stsCaBundle).toBeUndefined();
    expect(parseWebhookConfig(raw({ 'sts-ca-bundle-configmap': 'corp-ca' })).settings.stsCaBundle).toEqual({
      source: 'configMap',
      name: 'corp-ca',
      key: 'ca.crt',
    });
    expect(
      parseWebhookConfig(raw({ 'sts-ca-bundle-secret': 'corp-ca', 'sts-ca-bundle-key': 'bundle.pem' }))
        .settings.stsCaBundle,
    ).toEqual({ source: 'secret', name: 'corp-ca', key: 'bundle.pem' });
    expect(() =>
      parseWebhookConfig(raw({ 'sts-ca-bundle-configmap': 'a', 'sts-ca-bundle-secret': 'b' })),
    ).toThrow(
      '--sts-ca-bundle-secret (IMDS_EMULATOR_STS_CA_BUNDLE_SECRET): must not be set together with --sts-ca-bundle-configmap',
    );
    expect(() => parseWebhookConfig(raw({ 'sts-ca-bundle-key': 'a/b' }))).toThrow(
      '--sts-ca-bundle-key (IMDS_EMULATOR_STS_CA_BUNDLE_KEY): must be a ConfigMap or Secret key',
    );
  });

  it('maps every default to InjectionSettings', () => {
    const config = parseWebhookConfig(raw());
    expect(config).toMatchObject({
      port: 8443,
      healthPort: 8081,
      sidecarMode: 'auto',
      logLevel: 'info',
      certs: {
        mode: 'files',
        certFile: '/etc/imds-emulator/tls/tls.crt',
        keyFile: '/etc/imds-emulator/tls/tls.key',
      },
    });
    expect(config.settings).toEqual({
      image: 'registry.example/imds-emulator:1.0',
      imagePullPolicy: 'IfNotPresent',
      sidecarPort: 16925,
      sidecarHealthPort: 16926,
      defaultRegion: 'us-east-1',
      defaultHttpTokens: 'optional',
      defaultSessionDuration: 3600,
      defaultServeRegion: false,
      stsEndpoint: undefined,
      tokenAudience: 'sts.amazonaws.com',
      tokenExpirationSeconds: 3600,
      resources: { cpuRequest: '5m', memoryRequest: '32Mi', cpuLimit: '1', memoryLimit: '128Mi' },
      enforceNamespacePolicy: true,
      classicJobPods: 'deny',
    });
  });

  it('names each env variable after its flag', () => {
    expect(envName('tls-cert')).toBe('IMDS_EMULATOR_TLS_CERT');
    expect(envName('sidecar-memory-limit')).toBe('IMDS_EMULATOR_SIDECAR_MEMORY_LIMIT');
  });

  it.each([
    [{ image: undefined }, /^--image \(IMDS_EMULATOR_IMAGE\): is required, e\.g\. /],
    [{ image: 'has space' }, /^--image \(IMDS_EMULATOR_IMAGE\): must be an image reference/],
    [{ port: '0' }, /^--port \(IMDS_EMULATOR_PORT\): must be a whole number from 1 to 65535, got "0"/],
    [{ port: '8081' }, /^--health-port \(IMDS_EMULATOR_HEALTH_PORT\): must differ from --port/],
    [
      { 'cert-mode': 'magic' },
      /^--cert-mode \(IMDS_EMULATOR_CERT_MODE\): must be one of files, self-managed, got "magic"/,
    ],
    [{ 'sidecar-mode': 'sometimes' }, /^--sidecar-mode \(.*\): must be one of native, classic, auto/],
    [
      { 'image-pull-policy': 'always' },
      /^--image-pull-policy \(.*\): must be one of Always, IfNotPresent, Never/,
    ],
    [{ 'default-region': 'Mars' }, /^--default-region \(.*\): must be an AWS region/],
    [{ 'default-http-tokens': 'maybe' }, /^--default-http-tokens \(IMDS_EMULATOR_DEFAULT_HTTP_TOKENS\): /],
    [
      { 'default-session-duration': '60' },
      /^--default-session-duration \(.*\): must be a whole number from 900 to 43200/,
    ],
    [{ 'token-expiration': '599' }, /^--token-expiration \(.*\): must be a whole number from 600/],
    [{ 'sidecar-memory-limit': '128 MB' }, /^--sidecar-memory-limit \(.*\): must be a Kubernetes quantity/],
    [{ 'sidecar-cpu-limit': '1.2.3' }, /^--sidecar-cpu-limit \(.*\): must be a Kubernetes quantity/],
    [{ 'namespace-policy': 'yes' }, /^--namespace-policy \(.*\): must be one of true, false/],
    [{ 'sts-endpoint': 'sts.local' }, /^--sts-endpoint \(.*\): must be an http\(s\) URL/],
    [{ 'sts-endpoint': 'ftp://x' }, /^--sts-endpoint \(.*\): must be an http\(s\) URL/],
    [{ 'sidecar-health-port': '16925' }, /^--sidecar-health-port \(.*\): must differ from --sidecar-port/],
    [{ 'log-level': 'loud' }, /^--log-level \(IMDS_EMULATOR_LOG_LEVEL\): /],
    [{ namespace: 'Bad_NS' }, /^--namespace \(IMDS_EMULATOR_NAMESPACE\): must be a DNS-1123 label/],
  ])('rejects %j naming the flag', (overrides, message) => {
    expect(() => parseWebhookConfig(raw(overrides))).toThrow(message);
  });

  describe('self-managed certificates', () => {
    const selfManaged = {
      'cert-mode': 'self-managed',
      'cert-secret': 'imds-emulator-webhook-tls',
      'webhook-configuration': 'imds-emulator',
      'service-name': 'imds-emulator-webhook',
    };

    it('takes the namespace from the flag, else POD_NAMESPACE', () => {
      expect(parseWebhookConfig(raw(selfManaged), { POD_NAMESPACE: 'imds' }).certs).toEqual({
        mode: 'self-managed',
        secretName: 'imds-emulator-webhook-tls',
        webhookConfiguration: 'imds-emulator',
        serviceName: 'imds-emulator-webhook',
        namespace: 'imds',
        caValiditySeconds: 315360000,
        certValiditySeconds: 31536000,
        syncSeconds: 60,
      });
      expect(
        parseWebhookConfig(raw({ ...selfManaged, namespace: 'own' }), { POD_NAMESPACE: 'imds' }).namespace,
      ).toBe('own');
    });

    it.each([
      [
        'cert-secret',
        /^--cert-secret \(IMDS_EMULATOR_CERT_SECRET\): is required with --cert-mode self-managed/,
      ],
      ['webhook-configuration', /^--webhook-configuration \(.*\): is required with --cert-mode self-managed/],
      ['service-name', /^--service-name \(.*\): is required with --cert-mode self-managed/],
    ])('requires %s', (key, message) => {
      expect(() =>
        parseWebhookConfig(raw({ ...selfManaged, [key]: undefined }), { POD_NAMESPACE: 'x' }),
      ).toThrow(message);
    });

    it('requires a namespace', () => {
      expect(() => parseWebhookConfig(raw(selfManaged))).toThrow(
        /^--namespace \(IMDS_EMULATOR_NAMESPACE\): is required .*POD_NAMESPACE/,
      );
    });

    it('rejects a CA shorter-lived than the serving certificate', () => {
      expect(() =>
        parseWebhookConfig(
          raw({ ...selfManaged, 'ca-validity-seconds': '100', 'cert-validity-seconds': '200' }),
          {
            POD_NAMESPACE: 'x',
          },
        ),
      ).toThrow(/^--ca-validity-seconds \(.*\): must be at least --cert-validity-seconds \(200\)/);
    });

    it('rejects a Service name that is not a DNS label', () => {
      expect(() =>
        parseWebhookConfig(raw({ ...selfManaged, 'service-name': 'a.b' }), { POD_NAMESPACE: 'x' }),
      ).toThrow(/^--service-name \(IMDS_EMULATOR_SERVICE_NAME\): must be a DNS-1035 label/);
    });
  });
});
