/** The contract's rule of each public enum (internal: not exported from the package). */
import {
  CLASSIC_JOB_PODS,
  FAILURE_POLICY,
  HTTP_TOKENS,
  IMAGE_PULL_POLICY,
  LOG_LEVEL,
  REDIRECT,
  SIDECAR_MODE,
} from '@imds-emulator/contract';
import { ImagePullPolicy } from 'cdk8s-plus-27';
import { ClassicJobPods, FailurePolicy, HttpTokens, LogLevel, Redirect, SidecarMode } from './enums';
import { enumRule } from './validate';

// Each line compiles only while the enum has exactly the contract's values.
export const FAILURE_POLICY_RULE = enumRule(FailurePolicy, FAILURE_POLICY);
export const IMAGE_PULL_POLICY_RULE = enumRule(ImagePullPolicy, IMAGE_PULL_POLICY);
export const SIDECAR_MODE_RULE = enumRule(SidecarMode, SIDECAR_MODE);
export const CLASSIC_JOB_PODS_RULE = enumRule(ClassicJobPods, CLASSIC_JOB_PODS);
export const HTTP_TOKENS_RULE = enumRule(HttpTokens, HTTP_TOKENS);
export const REDIRECT_RULE = enumRule(Redirect, REDIRECT);
export const LOG_LEVEL_RULE = enumRule(LogLevel, LOG_LEVEL);
