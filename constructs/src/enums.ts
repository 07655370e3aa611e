/** What the API server does when the webhook cannot be reached. */
export enum FailurePolicy {
  /** Reject the opted-in pod: it is never created without its emulator. */
  FAIL = 'Fail',
  /** Create the pod without the emulator. */
  IGNORE = 'Ignore',
}

/** How the webhook injects the sidecar (`--sidecar-mode`). */
export enum SidecarMode {
  /** Native sidecar: an init container with `restartPolicy: Always` (Kubernetes >= 1.29). */
  NATIVE = 'native',
  /** A regular container next to the application's. */
  CLASSIC = 'classic',
  /** Native when the API server supports it, else classic. */
  AUTO = 'auto',
}

/** What the webhook does with a Job's pod that would get a classic sidecar (`--classic-job-pods`). */
export enum ClassicJobPods {
  /** Refuse the pod, naming the cause: a classic sidecar keeps it from ever completing. */
  DENY = 'deny',
  /** Admit it with a warning. */
  WARN = 'warn',
}

/** IMDSv2 session tokens (`--http-tokens`). */
export enum HttpTokens {
  /** IMDSv1 and IMDSv2 both answered. */
  OPTIONAL = 'optional',
  /** IMDSv2 only: every request needs a session token. */
  REQUIRED = 'required',
}

/** How a pod's traffic to 169.254.169.254 reaches its sidecar. */
export enum Redirect {
  /** An init container installs iptables rules (needs NET_ADMIN in the init container). */
  IPTABLES = 'iptables',
  /** No init container; `AWS_EC2_METADATA_SERVICE_ENDPOINT` points the AWS SDKs at the sidecar. */
  ENV = 'env',
}

/** Log level of the webhook (`--log-level`). */
export enum LogLevel {
  /** Everything, including each admission request's decision steps. */
  TRACE = 'trace',
  /** Debugging details. */
  DEBUG = 'debug',
  /** Start-up, certificate rotation and one line per mutated pod. */
  INFO = 'info',
  /** Problems the webhook recovers from. */
  WARN = 'warn',
  /** Failed operations. */
  ERROR = 'error',
  /** Only what stops the webhook. */
  FATAL = 'fatal',
  /** Nothing. */
  SILENT = 'silent',
}
