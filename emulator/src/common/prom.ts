/**
 * prom-client's metric classes, each loaded from its own module. prom-client's index also loads its default process
 * metrics, one of which loads @opentelemetry/api (for exemplars): 50 modules this project never runs, 1.4 MiB of the
 * sidecar's RSS after start-up. These are the very classes the index exports.
 */
import type * as prom from 'prom-client';

export type Registry = prom.Registry;
export type Counter<T extends string = string> = prom.Counter<T>;
export type Gauge<T extends string = string> = prom.Gauge<T>;
export type Histogram<T extends string = string> = prom.Histogram<T>;

export const Registry: typeof prom.Registry = require('prom-client/lib/registry');
export const Counter: typeof prom.Counter = require('prom-client/lib/counter');
export const Gauge: typeof prom.Gauge = require('prom-client/lib/gauge');
export const Histogram: typeof prom.Histogram = require('prom-client/lib/histogram');
