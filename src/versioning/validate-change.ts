import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type ChangeModule, parseRoutePattern, type RoutePattern } from './change-module.js';

const TRANSFORMS = ['upgradeRequest', 'downgradeResponse', 'downgradeError'] as const;

function invalid(detail: string): BreakwaterError {
  return new BreakwaterError(errors.VERSIONING_CONFIG, `defineVersions: ${detail}`);
}

/**
 * Checks one change module's declaration (description, what it touches, its transforms)
 * and returns its parsed route patterns; `label` names the module in the error.
 */
export function checkChange(label: string, module: ChangeModule): RoutePattern[] {
  if (typeof module.description !== 'string' || module.description.trim() === '') {
    throw invalid(`${label}: description must be a non-empty string`);
  }
  const routes = module.routes ?? [];
  const resources = module.resources ?? [];
  if (!Array.isArray(routes) || !Array.isArray(resources)) {
    throw invalid(`${label}: routes and resources must be arrays`);
  }
  if (routes.length === 0 && resources.length === 0) {
    throw invalid(`${label}: touches nothing (give routes or resources)`);
  }
  for (const resource of resources) {
    if (typeof resource !== 'string' || resource === '') {
      throw invalid(`${label}: resource types must be non-empty strings`);
    }
  }
  const patterns = routes.map((route) => {
    const pattern = typeof route === 'string' ? parseRoutePattern(route) : undefined;
    if (!pattern) throw invalid(`${label}: route "${String(route)}" is not "METHOD /path"`);
    return pattern;
  });
  const given = TRANSFORMS.filter((name) => module[name] !== undefined);
  if (given.length === 0) throw invalid(`${label}: has no transform (${TRANSFORMS.join(', ')})`);
  for (const name of given) {
    if (typeof module[name] !== 'function') throw invalid(`${label}: ${name} must be a function`);
  }
  return patterns;
}
