export { type MannWhitneyResult, mannWhitneyU } from './mann-whitney.js';
export {
  type AnalysisInput,
  type AnalysisOptions,
  DEFAULT_ANALYSIS,
  type DeepPartial,
  resolveAnalysis,
  type TriggerAction,
} from './options.js';
export { DEFAULT_SAMPLE_CAPACITY, RequestSamples, type WindowSamples } from './samples.js';
export { analysisSchema } from './schema.js';
export { percentile, summarize, type VersionFigures } from './summary.js';
export { SustainedCondition } from './sustained.js';
export {
  type TriggerFiring,
  TriggerMonitor,
  type TriggerName,
  type TriggerState,
} from './triggers.js';
export {
  type CheckResult,
  type JudgeStepInput,
  judgeStep,
  MANN_WHITNEY_MIN_SAMPLES,
  type Verdict,
} from './verdict.js';
