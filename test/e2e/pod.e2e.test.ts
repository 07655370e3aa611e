/**
 * End to end: the image built by `npm run image`, the real webhook mutating realistic pods, and each mutated pod run
 * by rootful podman (`podman kube play`) with real AWS clients in the app container. Only what podman cannot do is
 * translated (support/translate.ts, docs/image.md). Needs root, podman, runc, umoci, mmdebstrap, awscli, boto3.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { parse, stringify } from 'yaml';
import { CHECK_IDS } from '../../emulator/src/check/checks';
import { exec, execOk } from '../support/exec';
import { serviceAccountJwt } from '../support/jwt';
import { type RunningMoto, startMoto, stopProcess } from '../support/moto';
import { freePort } from '../support/ports';
import { attachPodNetwork, natRules, type PodNetwork, redirectedConnections } from './support/network';
import { inspect, loadImage, podman, podmanTry } from './support/podman';
import { admissionReview, SCENARIOS, type Scenario } from './support/pods';
import { StepTimer } from './support/step-timer';
import { type PodManifest, translateForPodman } from './support/translate';

const repo = resolve(__dirname, '../..');
const cache =
  process.env.IMAGE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'imds-emulator');
// Per-run names: several runs (e.g. two `npm test`s) may share the podman storage at the same time.
const RUN = process.pid.toString(36);
const EMULATOR_IMAGE = `localhost/imds-emulator:e2e-${RUN}`;
const CLIENTS_IMAGE = `localhost/imds-emulator-e2e-clients:e2e-${RUN}`;
const STS = 'http://127.0.0.1:5000';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const timer = new StepTimer();
const work = mkdtempSync(join(tmpdir(), 'imds-e2e-'));
let webhook: ChildProcess | undefined;
let webhookUrl = '';
let webhookCa = '';
const imported: string[] = [];

interface ClientResult {
  client: string;
  accessKeyId: string;
  arn?: string;
  method?: string;
}

beforeAll(async () => {
  await timer.step('build image (npm run image)', async () => {
    const out = await execOk('bash', [join(repo, 'emulator/image/build.sh')], {
      env: { ...process.env, IMAGE_ARCHES: 'amd64', IMAGE_OUTPUT: join(work, 'image.oci.tar') },
      timeoutMs: 900000,
    });
    process.stdout.write(out.replace(/^/gm, '  '));
  });
  const clientsRootfs = await timer.step('clients rootfs (mmdebstrap awscli boto3; cached)', async () =>
    (
      await execOk('bash', [join(__dirname, 'support/clients-image.sh'), cache], { timeoutMs: 900000 })
    ).trim(),
  );
  await timer.step('import both images into podman', async () => {
    imported.push(EMULATOR_IMAGE);
    await loadImage(join(work, 'image-amd64.oci.tar'), EMULATOR_IMAGE);
    imported.push(CLIENTS_IMAGE);
    // An imported root filesystem has no image config: PATH must be set, or podman exec finds nothing.
    await podman(['import', '-q', '--change', `ENV=${PATH_ENV}`, clientsRootfs, CLIENTS_IMAGE], 300000);
  });
  await timer.step('start the webhook (compiled CLI, --cert-mode files)', startWebhook);
}, 1500000);

afterAll(async () => {
  await timer.step('teardown: webhook, images, temporary files', async () => {
    if (webhook) await stopProcess(webhook);
    for (const image of imported) await podmanTry(['rmi', '-f', image]);
    rmSync(work, { recursive: true, force: true });
  });
  const total = timer.steps.reduce((sum, s) => sum + s.ms, 0);
  process.stdout.write(`e2e: total of all steps ${total} ms\n`);
}, 120000);

async function startWebhook(): Promise<void> {
  const cert = join(work, 'tls.crt');
  const key = join(work, 'tls.key');
  await execOk('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
    ...['-subj', '/CN=imds-emulator-webhook.e2e.svc', '-addext', 'subjectAltName=IP:127.0.0.1'],
    ...['-keyout', key, '-out', cert],
  ]);
  webhookCa = readFileSync(cert, 'utf8');
  const [port, healthPort] = [await freePort(), await freePort()];
  webhook = spawn(
    process.execPath,
    [
      join(repo, 'emulator/bin/imds-emulator.js'),
      'webhook',
      ...['--cert-mode', 'files', '--tls-cert', cert, '--tls-key', key],
      ...['--port', String(port), '--health-port', String(healthPort), '--bind-address', '127.0.0.1'],
      ...['--image', EMULATOR_IMAGE, '--image-pull-policy', 'Never', '--sidecar-mode', 'native'],
      ...['--namespace-policy', 'false', '--sts-endpoint', STS, '--namespace', 'imds-emulator'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  webhook.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  webhook.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  await waitFor(`webhook /readyz (output so far:\n${output})`, async () => {
    if (webhook?.exitCode !== null) throw new Error(`webhook exited ${webhook?.exitCode}:\n${output}`);
    return (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.ok === true;
  });
  webhookUrl = `https://127.0.0.1:${port}/mutate`;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** POSTs an AdmissionReview over TLS (verified against the test CA) and returns the response object. */
async function review(pod: PodManifest): Promise<{ allowed: boolean; patch?: string; patchType?: string }> {
  const body = JSON.stringify(admissionReview(pod, randomUUID()));
  const { request } = await import('node:https');
  const text = await new Promise<string>((resolvePromise, reject) => {
    const req = request(
      webhookUrl,
      { method: 'POST', ca: webhookCa, headers: { 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.on('data', (c: Buffer) => {
          data += c.toString();
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolvePromise(data) : reject(new Error(`${res.statusCode} ${data}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return (JSON.parse(text) as { response: { allowed: boolean; patch?: string; patchType?: string } })
    .response;
}

function runClient(container: string, args: string[], env: string[] = []): Promise<ClientResult> {
  return podman(['exec', ...env.flatMap((e) => ['--env', e]), container, ...args], 120000).then((out) => {
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as ClientResult;
  });
}

/** /proc/<pid>/status fields of a running container's main process, as the kernel applies them. */
function procStatus(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .map((line) => line.split(':\t'))
      .filter((parts) => parts.length === 2)
      .map(([k, v]) => [k, v.trim()]),
  );
}

/**
 * Reviews `original` with the webhook, runs the mutated pod in podman (translated, support/translate.ts) with moto on
 * its loopback, waits until its injected init step has run and its sidecar is ready, then runs `body`; always tears
 * the pod, moto and the network down.
 */
async function runInjectedPod(
  original: PodManifest,
  label: string,
  index: number,
  body: (pod: { podName: string; netns: string }) => Promise<void>,
): Promise<void> {
  const response = await timer.step(`[${label}] AdmissionReview -> webhook`, () => review(original));
  expect(response.allowed).toBe(true);
  expect(response.patchType).toBe('JSONPatch');
  const ops = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString()) as Operation[];
  const mutated = applyPatch(structuredClone(original), ops, true, false).newDocument as PodManifest;
  const names = (list?: Array<{ name: string }>) => (list ?? []).map((c) => c.name);
  expect(names(mutated.spec.initContainers)).toEqual(
    expect.arrayContaining(['imds-emulator-init', 'imds-emulator', ...names(original.spec.initContainers)]),
  );
  expect(names(mutated.spec.volumes)).toContain('imds-emulator-token');

  const tokenDir = join(work, `token-${index}`);
  const translated = translateForPodman(mutated, { tokenDir, nameSuffix: `${RUN}x`.slice(-5) });
  for (const line of translated.translations) process.stdout.write(`  translation: ${line}\n`);
  rmSync(tokenDir, { recursive: true, force: true });
  // Readable by the sidecar's UID 65532, as the kubelet makes a projected token.
  mkdirSync(tokenDir, { recursive: true, mode: 0o755 });
  for (const file of translated.tokenFiles) {
    writeFileSync(join(tokenDir, file), serviceAccountJwt({ namespace: 'e2e', serviceAccount: 'e2e' }));
    chmodSync(join(tokenDir, file), 0o644);
  }
  const podName = translated.pod.metadata.name as string;
  const manifest = join(work, `${podName}.yaml`);
  writeFileSync(manifest, stringify(translated.pod));

  let network: PodNetwork | undefined;
  let moto: RunningMoto | undefined;
  try {
    await timer.step(`[${label}] podman kube play --start=false`, () =>
      // A pod of the same name can only be left from a run that was killed before its teardown.
      podman(['pod', 'rm', '-f', '-t', '0', '--ignore', podName]).then(() =>
        podman(['kube', 'play', '--start=false', '--network', 'none', manifest], 300000),
      ),
    );
    // The init container is removed by podman once it has run, so its runtime spec is read before the start.
    const init = await inspect<{
      EffectiveCaps: string[] | null;
      BoundingCaps: string[] | null;
      Config: { User: string };
    }>('container', `${podName}-imds-emulator-init`);
    expect([...(init.EffectiveCaps ?? [])].sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect([...(init.BoundingCaps ?? [])].sort()).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(init.Config.User).toMatch(/^0(:0)?$/);

    network = await timer.step(`[${label}] start infra, test network (veth, routes)`, async () => {
      const pod = await inspect<{ InfraContainerID: string }>('pod', podName);
      await podman(['start', pod.InfraContainerID]);
      const infra = await inspect<{ State: { Pid: number } }>('container', pod.InfraContainerID);
      return attachPodNetwork(`imds-e2e-${process.pid}-${index}`, infra.State.Pid);
    });
    const netns = network.netns;
    moto = await timer.step(`[${label}] moto_server on the pod's loopback`, () =>
      startMoto({ netns, port: 5000 }),
    );
    await timer.step(`[${label}] podman pod start (init containers run first)`, () =>
      podman(['pod', 'start', podName], 300000),
    );
    // podman 4.3 returns from `pod start` after its 20 s conmon timeout with the state not yet synced.
    type State = { State: { ExitCode: number; Status: string } };
    let ran: State | undefined;
    await waitFor('the init container to exit', async () => {
      ran = await inspect<State>('container', `${podName}-imds-emulator-init`);
      return ran.State.Status !== 'running';
    });
    expect(['exited', 'stopped']).toContain(ran?.State.Status);
    expect(ran?.State.ExitCode).toBe(0);
    const initLog = await podman(['logs', `${podName}-imds-emulator-init`]);
    process.stdout.write(`${initLog.trimEnd().replace(/^/gm, '  init log: ')}\n`);
    await timer.step(`[${label}] sidecar ready`, async () => {
      await waitFor('sidecar /readyz', async () => {
        const r = await exec('ip', [
          ...['netns', 'exec', netns, process.execPath, '-e'],
          "fetch('http://127.0.0.1:16926/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
        ]);
        return r.code === 0;
      });
    });

    const rules = await natRules(netns);
    expect(rules).toContain('169.254.169.254');
    expect(rules).toContain('fd00:ec2::254');
    await body({ podName, netns });
  } finally {
    await timer.step(`[${label}] teardown: pod, moto, netns name`, async () => {
      try {
        await podman(['pod', 'rm', '-f', '-t', '0', '--ignore', podName], 120000);
      } finally {
        if (moto) await moto.stop();
        if (network) await network.release();
        rmSync(tokenDir, { recursive: true, force: true });
      }
    });
  }
}

describe.each(SCENARIOS.map((s, i) => [s.title, s, i] as const))(
  'e2e pod: %s',
  (_title, scenario: Scenario, index) => {
    it('is mutated by the webhook, runs in podman, and real clients sign STS calls with the sidecar credentials', async () => {
      const original = scenario.pod(CLIENTS_IMAGE, {
        nodeBinary: join(work, 'node'),
        nodeModules: join(repo, 'node_modules'),
        scripts: join(__dirname, 'clients'),
      });
      if (original.metadata.name) original.metadata.name = `${original.metadata.name}-${RUN}`;
      if (index === 0) {
        await timer.step('extract Node 22 for the JS client (from the cached npm package)', async () => {
          const tarball = (
            await execOk('bash', [join(repo, 'emulator/image/node-tarball.sh'), 'amd64'])
          ).trim();
          await execOk('tar', ['-xzf', tarball, '-C', work, '--strip-components=2', 'package/bin/node']);
        });
      }

      await runInjectedPod(original, scenario.roleName, index, async ({ podName, netns }) => {
        const app = `${podName}-app`;
        let sdkStart = { ipv4: 0, ipv6: 0 };
        const results = await timer.step(
          `[${scenario.roleName}] clients: IMDS v4+v6, aws CLI, boto3, JS v3`,
          async () => {
            const out: ClientResult[] = [];
            for (const base of ['http://169.254.169.254', 'http://[fd00:ec2::254]']) {
              out.push(await runClient(app, ['python3', '/opt/e2e/scripts/imds.py', base]));
            }
            sdkStart = await redirectedConnections(netns);
            const identity = JSON.parse(
              await podman(
                [
                  'exec',
                  app,
                  'aws',
                  'sts',
                  'get-caller-identity',
                  '--endpoint-url',
                  STS,
                  '--region',
                  'us-east-1',
                  '--output',
                  'json',
                ],
                120000,
              ),
            ) as { Arn: string };
            const exported = JSON.parse(
              await podman(
                ['exec', app, 'aws', 'configure', 'export-credentials', '--format', 'process'],
                120000,
              ),
            ) as { AccessKeyId: string };
            out.push({
              client: 'aws CLI (Debian awscli)',
              accessKeyId: exported.AccessKeyId,
              arn: identity.Arn,
            });
            out.push(await runClient(app, ['python3', '/opt/e2e/scripts/boto3_client.py', STS, 'us-east-1']));
            out.push(
              await runClient(app, ['/opt/e2e/bin/node', '/opt/e2e/scripts/js_client.js', STS, 'us-east-1']),
            );
            return out;
          },
        );
        for (const r of results)
          process.stdout.write(`  ${r.client}: ${r.accessKeyId} ${r.arn ?? ''} ${r.method ?? ''}\n`);
        const keys = new Set(results.map((r) => r.accessKeyId));
        expect(keys.size).toBe(1);
        expect([...keys][0]).toMatch(/^ASIA[A-Z0-9]{12,}$/);
        // moto answers GetCallerIdentity with the assumed-role ARN only for keys its AssumeRoleWithWebIdentity issued.
        for (const r of results.filter((x) => x.arn)) {
          expect(r.arn).toMatch(new RegExp(`^arn:aws:sts::\\d{12}:assumed-role/${scenario.roleName}/.+`));
        }
        expect(results.find((r) => r.client.startsWith('boto3'))?.method).toBe('iam-role');
        // The SDK clients went to the address family the pod prefers, and only to that one.
        const sdkEnd = await redirectedConnections(netns);
        const [preferred, other] = scenario.ipv6Preferring
          ? (['ipv6', 'ipv4'] as const)
          : (['ipv4', 'ipv6'] as const);
        expect(sdkEnd[preferred]).toBeGreaterThan(sdkStart[preferred]);
        expect(sdkEnd[other]).toBe(sdkStart[other]);
        await timer.step(`[${scenario.roleName}] imds-emulator check --sts inside the pod`, async () => {
          // From the sidecar's container (the image has the CLI): same network namespace, so through the redirect.
          const run = await podmanTry(
            [
              ...['exec', `${podName}-imds-emulator`, '/usr/local/bin/imds-emulator', 'check'],
              ...['--sts', STS, '--region', 'us-east-1', '--json'],
            ],
            120000,
          );
          const report = JSON.parse(run.stdout) as {
            checks: { id: string; status: string; message: string }[];
          };
          for (const c of report.checks) process.stdout.write(`  check ${c.status} ${c.id}: ${c.message}\n`);
          const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
          // The pod has IPv6 (the init step redirected fd00:ec2::254 above), so both addresses are checked.
          expect(status).toEqual(Object.fromEntries(CHECK_IDS.map((id) => [id, 'pass'])));
          expect(run.code).toBe(0);
        });
        if (original.spec.initContainers?.length) {
          // The pod's own init container ran too (after the injected init step) and its work is visible.
          expect(await podman(['exec', app, 'cat', '/work/prepared'])).toBe('ok');
        }

        await timer.step(`[${scenario.roleName}] security context as run`, async () => {
          const sidecar = await inspect<{ State: { Pid: number }; HostConfig: { ReadonlyRootfs: boolean } }>(
            'container',
            `${podName}-imds-emulator`,
          );
          const status = procStatus(sidecar.State.Pid);
          expect(status.Uid.split(/\s+/)).toEqual(['65532', '65532', '65532', '65532']);
          expect(status.CapEff).toBe('0000000000000000');
          expect(status.CapPrm).toBe('0000000000000000');
          expect(status.CapBnd).toBe('0000000000000000');
          expect(status.NoNewPrivs).toBe('1');
          expect(sidecar.HostConfig.ReadonlyRootfs).toBe(true);
          const write = await podmanTry([
            ...['exec', `${podName}-imds-emulator`, '/usr/local/bin/node', '-e'],
            "require('fs').writeFileSync('/probe', 'x')",
          ]);
          expect(write.code).not.toBe(0);
          expect(write.stderr).toContain('EROFS');

          const before = await natRules(netns);
          for (const tool of ['iptables', 'iptables-legacy', 'ip6tables']) {
            const attempt = await podmanTry(['exec', app, tool, '-t', 'nat', '-I', 'OUTPUT', '-j', 'ACCEPT']);
            expect(attempt.code).not.toBe(0);
            expect(attempt.stderr).toMatch(/Permission denied|not permitted/i);
          }
          expect(await natRules(netns)).toBe(before);
        });
      });
    }, 600000);
  },
);

describe("e2e pod: the chart's helm test pod", () => {
  it('is rendered by Helm, injected by the webhook, and its check container passes every check in podman', async () => {
    const [repository, tag] = EMULATOR_IMAGE.split(':');
    const values = {
      'test.enabled': 'true',
      'test.roleArn': 'arn:aws:iam::123456789012:role/e2e-self-check',
      'test.namespace': 'e2e',
      'test.stsEndpoint': STS,
      'image.repository': repository,
      'image.tag': tag,
      'image.pullPolicy': 'Never',
    };
    const rendered = await execOk(join(repo, '.tools', 'helm3', 'helm'), [
      ...['template', 'imds-emulator', join(repo, 'charts', 'imds-emulator'), '-n', 'platform'],
      ...['--show-only', 'templates/tests/self-check.yaml'],
      ...Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ]);
    const pod = parse(rendered) as PodManifest;
    pod.metadata.name = `${pod.metadata.name}-${RUN}`;
    await runInjectedPod(pod, 'helm test pod', SCENARIOS.length, async ({ podName }) => {
      const check = `${podName}-check`;
      // The kubelet starts the check only once the native sidecar's startup probe passed; podman starts both at
      // once (support/translate.ts), so the check container is run again now that the sidecar is ready.
      await waitFor('the first run of the check container to end', async () => {
        const state = await inspect<{ State: { Status: string } }>('container', check);
        return state.State.Status !== 'running';
      });
      const run = await timer.step('[helm test pod] check container, with the sidecar ready', () =>
        podmanTry(['start', '--attach', check], 120000),
      );
      process.stdout.write(`${run.stdout.trimEnd().replace(/^/gm, '  check: ')}\n`);
      for (const id of CHECK_IDS) expect(run.stdout).toMatch(new RegExp(`^ok +${id}: `, 'm'));
      expect(run.stdout).toMatch(
        /^ok +sts: signed as arn:aws:sts::123456789012:assumed-role\/e2e-self-check\//m,
      );
      expect(run.code).toBe(0);
    });
  }, 600000);
});
