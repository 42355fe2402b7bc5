export {
  BreakwaterError,
  type BreakwaterErrorOptions,
  type ErrorDefinition,
  hasCode,
  isBreakwaterError,
} from './breakwater-error.js';
export { PROBLEM_CONTENT_TYPE, type Problem, problemType, toProblem } from './problem.js';
export { type ErrorName, errors } from './registry.js';
