import type { Component } from 'svelte';
import type { ViewId } from '../state/router.svelte.js';

/**
 * Each view is a chunk of its own, loaded when first shown: the shell paints without waiting for the views' code.
 * The first view's chunk is asked for as the app starts (`main.ts`), so it has loaded by the time the shell mounts.
 */
export const viewOutlets: Record<ViewId, () => Promise<{ default: Component }>> = {
  topics: () => import('../features/explorer/ExplorerView.svelte'),
  pipeline: () => import('../features/pipeline/PipelineView.svelte'),
  shadows: () => import('../features/shadows/ShadowsView.svelte'),
  rules: () => import('../features/rules/RulesView.svelte'),
  registry: () => import('../features/registry/RegistryView.svelte'),
  sinks: () => import('../features/sinks/SinksView.svelte'),
  devices: () => import('../features/devices/DevicesView.svelte'),
  jobs: () => import('../features/jobs/JobsView.svelte'),
  labs: () => import('../features/labs/LabsView.svelte'),
  logs: () => import('../features/logs/LogsView.svelte'),
  cost: () => import('../features/cost/CostView.svelte'),
  targets: () => import('../features/targets/TargetsView.svelte'),
  sql: () => import('../features/sql/SqlView.svelte'),
};
