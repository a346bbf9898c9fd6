/** Positions in YAML documents live in core (scenarios use them too). */
export { formatProblem, pathLabel, PositionMap, type Path, type Problem } from '../../core/index.js';
