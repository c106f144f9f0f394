// Which Node ferry runs on. Kept free of anything newer than Node 18 (no import.meta.dirname, no
// node:sqlite), so that on an older Node ferry can still say what it needs instead of failing on
// the first module that uses something new.

/** The oldest Node with what ferry needs: node:sqlite without a flag, and module.stripTypeScriptTypes. */
export const MINIMUM_NODE = [22, 13, 0];

/** Why ferry cannot run on Node `version` ("22.12.0"), with how to get a suitable one; undefined when it can. */
export function nodeVersionProblem(version) {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (let index = 0; index < MINIMUM_NODE.length; index++) {
    const have = parts[index] ?? 0;
    if (have > MINIMUM_NODE[index]) return undefined;
    if (have < MINIMUM_NODE[index]) {
      return (
        `ferry needs Node.js ${MINIMUM_NODE.join('.')} or later (24 LTS recommended); this is Node.js ${version}. ` +
        'Fix: install Node.js 24 — with nvm: `nvm install 24 && nvm use 24` (the repository\'s .nvmrc names it), or from https://nodejs.org — then run ferry again.'
      );
    }
  }
  return undefined;
}
