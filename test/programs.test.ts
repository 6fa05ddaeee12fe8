/** The helper that skips suites needing a missing program, and fails them under CI (test/programs.ts). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProgram, findProgram, underCI } from './programs.js';

const dir = mkdtempSync(join(tmpdir(), 'programs-'));
const tool = join(dir, 'some-tool');
writeFileSync(tool, '#!/bin/sh\n');
chmodSync(tool, 0o755);
writeFileSync(join(dir, 'not-executable'), 'data');
chmodSync(join(dir, 'not-executable'), 0o644);
mkdirSync(join(dir, 'a-directory'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findProgram', () => {
  it('finds a bare name in PATH and an absolute path, as spawn() would run them', () => {
    expect(findProgram('some-tool', { PATH: `/nonexistent:${dir}` })).toBe(tool);
    expect(findProgram(tool, { PATH: '' })).toBe(tool);
  });

  it('does not take a file without an execute bit, a directory or /dev/null for the program', () => {
    expect(findProgram('not-executable', { PATH: dir })).toBeNull();
    expect(findProgram('a-directory', { PATH: dir })).toBeNull();
    expect(findProgram('/dev/null', { PATH: dir })).toBeNull();
    expect(findProgram('some-tool', { PATH: '/nonexistent' })).toBeNull();
  });
});

describe('checkProgram', () => {
  it('says in one line which program is missing and the command that installs it', () => {
    const check = checkProgram('missing-tool', 'apt-get install missing-tool', { PATH: dir });
    expect(check).toMatchObject({ path: null, ci: false });
    expect(check.line).not.toContain('\n');
    expect(check.line).toContain('missing-tool is not installed, so its tests are skipped');
    expect(check.line).toContain('`apt-get install missing-tool`');
  });

  it('under CI says the missing program fails the run', () => {
    const check = checkProgram('missing-tool', 'apt-get install missing-tool', { PATH: dir, CI: 'true' });
    expect(check).toMatchObject({ path: null, ci: true });
    expect(check.line).toMatch(/^missing-tool is not installed and CI is set, so this fails: install it with `apt-get install missing-tool`$/);
  });

  it('finds an installed program', () => {
    expect(checkProgram('some-tool', 'unused', { PATH: dir, CI: 'true' }).path).toBe(tool);
  });
});

describe('underCI', () => {
  it('reads CI=true and CI=1 as CI, and unset, empty, 0 or false as not', () => {
    expect(underCI({ CI: 'true' })).toBe(true);
    expect(underCI({ CI: '1' })).toBe(true);
    expect(underCI({})).toBe(false);
    expect(underCI({ CI: '' })).toBe(false);
    expect(underCI({ CI: '0' })).toBe(false);
    expect(underCI({ CI: 'false' })).toBe(false);
  });
});
