/**
 * The start-up time an opted-in pod adds over the same pod without the label, in the podman pod run of the e2e
 * (test/e2e): the pod is mutated by the webhook's admission code with the webhook's default flags, translated for
 * podman by the e2e's own translation, and run with `podman kube play`. Plain and opted-in runs alternate.
 *
 * Times are taken from one clock: podman's container start/finish time stamps and this process's Date.now(). The
 * sidecar's readiness is seen by a poller inside the pod's network namespace, started before the pod.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { envName, WEBHOOK_FLAGS } from '@imds-emulator/contract';
import { applyPatch, type Operation } from 'fast-json-patch';
import { stringify } from 'yaml';
import { reviewAdmission } from '../../emulator/src/webhook/admission';
import { ENABLED_LABEL, INIT_CONTAINER, SIDECAR_CONTAINER } from '../../emulator/src/webhook/admission/keys';
import { parseWebhookConfig } from '../../emulator/src/webhook/server/config';
import { attachPodNetwork } from '../../test/e2e/support/network';
import { inspect, loadImage, podman, podmanTry } from '../../test/e2e/support/podman';
import { admissionReview, SCENARIOS } from '../../test/e2e/support/pods';
import { type PodManifest, translateForPodman } from '../../test/e2e/support/translate';
import { execOk } from '../../test/support/exec';
import { serviceAccountJwt } from '../../test/support/jwt';
import { startMoto, stopProcess } from '../../test/support/moto';

const REPO = resolve(__dirname, '../..');
const RUN = process.pid.toString(36);
const EMULATOR_IMAGE = `localhost/imds-emulator:bench-${RUN}`;
const APP_IMAGE = `localhost/imds-emulator-e2e-clients:bench-${RUN}`;
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const STS = 'http://127.0.0.1:5000';
/** An AssumeRoleWithWebIdentity (unsigned, as the sidecar's) to moto in the pod's network namespace. */
const WARM_MOTO = `fetch('${STS}/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/warm'
    + '&RoleSessionName=warm&WebIdentityToken=warm' }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));`;
/** Where the e2e caches the app's root filesystem (clients-image.sh), so the bench finds it built. */
const CACHE =
  process.env.IMAGE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'imds-emulator');

/** One opted-in run, in ms from `podman pod start`. */
export interface OptedInRun {
  /** The app container started (podman starts it once the init containers have exited). */
  readonly appStarted: number;
  /** The injected init container's own run, start to exit. */
  readonly initRan: number;
  /** The sidecar container started, and its /readyz first answered 200. */
  readonly sidecarStarted: number;
  readonly sidecarReady: number;
  /**
   * The classic-mode gate: `imds-emulator sidecar --wait-ready` run in the ready sidecar (`podman exec`), what the
   * kubelet runs as its postStart hook before it starts the app. Native mode's gate is the kubelet's startupProbe
   * period instead (up to 1 s), which podman cannot show.
   */
  readonly gate: number;
  /** When the app is released: once started, and once the sidecar is ready and the gate passed. */
  readonly released: number;
}

export interface PodStartResult {
  readonly plain: number[];
  readonly optedIn: OptedInRun[];
  /** The injected containers' resources as the webhook set them (podman applies the limits). */
  readonly resources: Record<string, unknown>;
}

/**
 * The webhook's settings as a cluster install gets them: its defaults, or its IMDS_EMULATOR_* variables where set (to
 * compare other resources), with the bench's image and STS.
 */
function webhookSettings() {
  const raw: Record<string, string | undefined> = Object.fromEntries(
    Object.values(WEBHOOK_FLAGS).map((flag) => [flag.name, process.env[envName(flag.name)]]),
  );
  Object.assign(raw, {
    image: EMULATOR_IMAGE,
    'image-pull-policy': 'Never',
    'sts-endpoint': STS,
    'namespace-policy': 'false',
  });
  return parseWebhookConfig(raw).settings;
}

/** The pod as the webhook mutates it (native sidecar, as on Kubernetes >= 1.29). */
function mutate(pod: PodManifest): PodManifest {
  const result = reviewAdmission(admissionReview(pod, randomUUID()), webhookSettings(), {
    sidecarMode: 'native',
    namespace: () => undefined,
  });
  const patch = (result.body as { response?: { patch?: string } }).response?.patch;
  if (!patch) throw new Error(`the webhook did not mutate the pod: ${result.outcome} ${result.reason}`);
  const ops = JSON.parse(Buffer.from(patch, 'base64').toString()) as Operation[];
  return applyPatch(structuredClone(pod), ops, true, false).newDocument as PodManifest;
}

/** Milliseconds since the epoch of a podman time stamp (RFC 3339 with nanoseconds). */
function stampMs(stamp: string): number {
  const ms = Date.parse(stamp.replace(/(\.\d{3})\d*/, '$1'));
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`not a time stamp: ${stamp}`);
  return ms;
}

type ContainerState = { State: { Status: string; StartedAt: string; FinishedAt: string } };

async function started(container: string): Promise<number | undefined> {
  const state = (await inspect<ContainerState>('container', container)).State;
  return state.Status === 'created' || state.Status === 'initialized' ? undefined : stampMs(state.StartedAt);
}

async function until<T>(what: string, value: () => Promise<T | undefined>, timeoutMs = 120000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await value();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Prints Date.now() once http://127.0.0.1:<port>/readyz answers 200, polled every 5 ms inside `netns`. */
function readinessPoller(netns: string, port: string): { child: ChildProcess; readyAt: Promise<number> } {
  const script = `const poll = () => fetch('http://127.0.0.1:${port}/readyz').then((r) => r.ok, () => false)
    .then((ok) => ok ? console.log(Date.now()) : setTimeout(poll, 5)); poll();`;
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyAt = new Promise<number>((done, fail) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) done(Number(out.trim()));
    });
    child.once('exit', (code) => fail(new Error(`readiness poller exited ${code}`)));
  });
  return { child, readyAt };
}

interface PodFiles {
  readonly manifest: string;
  readonly name: string;
}

function writePod(pod: PodManifest, work: string, name: string): PodFiles {
  pod.metadata.name = name;
  const tokenDir = join(work, `token-${name}`);
  const translated = translateForPodman(pod, { tokenDir, nameSuffix: '' });
  // Readable by the sidecar's UID 65532, as the kubelet makes a projected token.
  mkdirSync(tokenDir, { recursive: true, mode: 0o755 });
  for (const file of translated.tokenFiles) {
    writeFileSync(join(tokenDir, file), serviceAccountJwt({ namespace: 'e2e', serviceAccount: 'e2e' }));
    chmodSync(join(tokenDir, file), 0o644);
  }
  const manifest = join(work, `${name}.yaml`);
  writeFileSync(manifest, stringify(translated.pod));
  return { manifest, name };
}

/** Runs one pod from `podman pod start`; `during` measures while it runs. Removes the pod and what it used. */
async function runPod<T>(
  pod: PodFiles,
  withNetwork: boolean,
  during: (t0: number, netns: string | undefined) => Promise<T>,
): Promise<T> {
  await podman(['kube', 'play', '--start=false', '--network', 'none', pod.manifest], 300000);
  const cleanups: Array<() => Promise<void>> = [
    async () => void (await podmanTry(['pod', 'rm', '-f', '-t', '0', '--ignore', pod.name], 120000)),
  ];
  try {
    const { InfraContainerID } = await inspect<{ InfraContainerID: string }>('pod', pod.name);
    await podman(['start', InfraContainerID]);
    let netns: string | undefined;
    if (withNetwork) {
      const infra = await inspect<{ State: { Pid: number } }>('container', InfraContainerID);
      const network = await attachPodNetwork(`imds-bench-${RUN}`, infra.State.Pid);
      cleanups.unshift(() => network.release());
      netns = network.netns;
      const moto = await startMoto({ netns, port: 5000 });
      cleanups.unshift(() => moto.stop());
      // moto loads its STS code on its first request; the real STS is warm.
      await execOk('ip', ['netns', 'exec', netns, process.execPath, '-e', WARM_MOTO]);
    }
    const t0 = Date.now();
    // podman 4.3 may return from `pod start` only after its 20 s conmon timeout; the measure does not wait for it.
    const start = podman(['pod', 'start', pod.name], 300000);
    try {
      return await during(t0, netns);
    } finally {
      await start;
    }
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

async function runPlain(pod: PodFiles): Promise<number> {
  return runPod(
    pod,
    false,
    async (t0) => (await until('the app container to start', () => started(`${pod.name}-app`))) - t0,
  );
}

async function runOptedIn(pod: PodFiles): Promise<OptedInRun> {
  return runPod(pod, true, async (t0, netns) => {
    const health = String(webhookSettings().sidecarHealthPort);
    const poller = readinessPoller(netns as string, health);
    try {
      const sidecar = `${pod.name}-${SIDECAR_CONTAINER}`;
      const readyAt = await poller.readyAt;
      const gateStart = Date.now();
      await podman([
        'exec',
        sidecar,
        '/usr/local/bin/imds-emulator',
        'sidecar',
        '--wait-ready',
        '--health-port',
        health,
      ]);
      const gate = Date.now() - gateStart;
      const appStarted = await until('the app container to start', () => started(`${pod.name}-app`));
      const init = (await inspect<ContainerState>('container', `${pod.name}-${INIT_CONTAINER}`)).State;
      const sidecarStarted = await until('the sidecar to start', () => started(sidecar));
      return {
        appStarted: appStarted - t0,
        initRan: stampMs(init.FinishedAt) - stampMs(init.StartedAt),
        sidecarStarted: sidecarStarted - t0,
        sidecarReady: readyAt - t0,
        gate,
        released: Math.max(appStarted, readyAt + gate) - t0,
      };
    } finally {
      await stopProcess(poller.child);
    }
  });
}

/**
 * Loads the image from `archive` and the e2e's app image into podman, runs `runs` plain and `runs` opted-in pods,
 * alternating, and removes the images again.
 */
export async function measurePodStart(archive: string, work: string, runs: number): Promise<PodStartResult> {
  const appRootfs = (await execOk('bash', [join(REPO, 'test/e2e/support/clients-image.sh'), CACHE])).trim();
  const images = [EMULATOR_IMAGE, APP_IMAGE];
  try {
    await loadImage(archive, EMULATOR_IMAGE);
    await podman(['import', '-q', '--change', `ENV=${PATH_ENV}`, appRootfs, APP_IMAGE], 300000);
    const original = SCENARIOS[0].pod(APP_IMAGE, {
      nodeBinary: process.execPath,
      nodeModules: join(REPO, 'node_modules'),
      scripts: join(REPO, 'test/e2e/clients'),
    });
    const { [ENABLED_LABEL]: _optIn, ...plainLabels } = original.metadata.labels as Record<string, string>;
    const plain: PodManifest = { ...original, metadata: { ...original.metadata, labels: plainLabels } };
    const mutated = mutate(original);
    const injected = [...(mutated.spec.initContainers ?? []), ...mutated.spec.containers].filter((c) =>
      [INIT_CONTAINER, SIDECAR_CONTAINER].includes(c.name),
    );
    const resources = Object.fromEntries(injected.map((c) => [c.name, c.resources]));
    const result = { plain: [] as number[], optedIn: [] as OptedInRun[], resources };
    for (let i = 0; i < runs; i++) {
      result.plain.push(await runPlain(writePod(structuredClone(plain), work, `bench-${RUN}-plain-${i}`)));
      result.optedIn.push(
        await runOptedIn(writePod(structuredClone(mutated), work, `bench-${RUN}-opted-in-${i}`)),
      );
    }
    return result;
  } finally {
    for (const image of images) await podmanTry(['rmi', '-f', image]);
  }
}
