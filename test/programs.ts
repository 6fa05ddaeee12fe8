/**
 * Programs some suites run for real that `npm ci` cannot bring (redis-server, Chromium). On a
 * developer's machine without one, its suite is skipped with one line saying what to install; under
 * CI (CI set, as .ci/run does) a missing program is a failing test instead, so CI never skips silently.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { it } from 'vitest';

/** CI=true / CI=1 as GitHub, GitLab and .ci/run set it; CI=false or CI=0 is not CI. */
export function underCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

function executable(path: string): boolean {
  try {
    // A regular file with an execute bit: /dev/null bound over it, a directory or a bare data file is not one.
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An absolute path as is; a bare name looked up in PATH, as spawn() does. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (isAbsolute(name)) return executable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

export interface ProgramCheck {
  /** the executable's path, or null when it is not installed */
  path: string | null;
  ci: boolean;
  /** the one line said when it is missing: the program and the command that installs it */
  line: string;
}

export function checkProgram(name: string, installHint: string, env: NodeJS.ProcessEnv = process.env): ProgramCheck {
  const ci = underCI(env);
  const line = ci
    ? `${name} is not installed and CI is set, so this fails: install it with \`${installHint}\``
    : `${name} is not installed, so its tests are skipped: install it with \`${installHint}\` (CI=true makes this a failure)`;
  return { path: findProgram(name, env), ci, line };
}

const told = new Set<string>();

/**
 * Call at a test file's top level; true when `name` is installed, for `describe.skipIf(!available)`.
 * Missing: one line on stderr naming it and `installHint` (once per name), and under CI one failing
 * test in its place, so the run fails and .ci/run's JSON count shows it as failed, not skipped.
 */
export function requireProgram(name: string, installHint: string): boolean {
  const { path, ci, line } = checkProgram(name, installHint);
  if (path) return true;
  if (ci) {
    it(`${name} is installed (CI fails a missing program instead of skipping its tests)`, () => {
      throw new Error(line);
    });
  } else if (!told.has(name)) {
    told.add(name);
    console.warn(line);
  }
  return false;
}
