/**
 * What CreateJob and UpdateJob check and complete before the jobs service stores a job: the rollout, abort, timeout,
 * retry and presigned-URL policies with AWS's ranges and messages; a job template's document and policies as
 * defaults (`jobTemplateArn`, the request's members winning) with its `documentParameters` filled in; presigned-URL
 * placeholders that name S3 objects; and the refusal of `schedulingConfig`, which the engine does not run yet.
 *
 * LIMITATIONS: a job made from a template whose document lives in S3 keeps the document read at creation and not
 * the template's `documentSource`; `schedulingConfig` is refused.
 */
import { EngineError } from '../core/index.js';
import { badPresignedPlaceholders } from './presigned-urls.js';
import { parseAbortConfig, parsePresignedUrlConfig, parseRetryConfig, parseRolloutConfig, parseTimeoutConfig, POLICY_KEYS, type JobPolicies as RolloutPolicies } from './job-policies.js';
import type { JobTemplates, TemplateJobSource } from './job-templates.js';
import type { JobsService } from './jobs-service.js';
import type { CreateJobInput } from './jobs-service-types.js';
import type { JobPolicies, JobRecord } from './job-types.js';

const invalid = (message: string) => new EngineError('InvalidInput', message);

/** The policies of a request, checked (undefined members stay undefined). */
export function checkedPolicies(input: Partial<JobPolicies>): RolloutPolicies {
  if (input.schedulingConfig !== undefined) throw invalid('Thingbench does not support schedulingConfig yet: a job starts its rollout when it is created.');
  const out: RolloutPolicies = {};
  const set = <K extends keyof RolloutPolicies>(k: K, v: RolloutPolicies[K] | undefined) => { if (v !== undefined) out[k] = v; };
  set('jobExecutionsRolloutConfig', parseRolloutConfig(input.jobExecutionsRolloutConfig));
  set('abortConfig', parseAbortConfig(input.abortConfig));
  set('timeoutConfig', parseTimeoutConfig(input.timeoutConfig));
  set('jobExecutionsRetryConfig', parseRetryConfig(input.jobExecutionsRetryConfig));
  set('presignedUrlConfig', parsePresignedUrlConfig(input.presignedUrlConfig));
  return out;
}

function checkPlaceholders(document: string | undefined): void {
  const bad = document === undefined ? [] : badPresignedPlaceholders(document);
  if (bad.length) throw invalid(`The presigned URL placeholder must name an S3 object URL: ${bad[0]}`);
}

/** CreateJob's input completed from its template (if any) and checked. */
export function prepareJob(input: CreateJobInput, templates: Pick<JobTemplates, 'resolveJob'>): CreateJobInput {
  const policies = checkedPolicies(input);
  const rest: CreateJobInput = { ...input };
  for (const k of POLICY_KEYS) delete rest[k];
  if (input.jobTemplateArn === undefined) {
    if (input.documentParameters !== undefined) throw invalid('documentParameters can only be used when creating a job from a job template');
    checkPlaceholders(input.document);
    return { ...rest, ...policies } as CreateJobInput;
  }
  const resolved = templates.resolveJob({ jobTemplateArn: input.jobTemplateArn, document: input.document, documentSource: input.documentSource, documentParameters: input.documentParameters, policies });
  checkPlaceholders(resolved.document);
  const { documentSource: _source, ...withoutSource } = rest;
  return { ...withoutSource, document: resolved.document, ...resolved.policies } as CreateJobInput;
}

/** A job as CreateJobTemplate's `jobArn` reads it: its document (or source) and its policies. */
export function templateSourceOf(jobs: Pick<JobsService, 'describeJob'>): TemplateJobSource {
  return {
    jobForTemplate(jobId) {
      let job: JobRecord;
      try {
        job = jobs.describeJob(jobId).job;
      } catch (e) {
        if (e instanceof EngineError && e.code === 'NotFound') return undefined;
        throw e;
      }
      const policies = Object.fromEntries(POLICY_KEYS.filter((k) => job[k] !== undefined).map((k) => [k, job[k]])) as RolloutPolicies;
      return { ...(job.documentSource !== undefined ? { documentSource: job.documentSource } : {}), ...(job.document !== undefined ? { document: job.document } : {}), policies };
    },
  };
}
