import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const core = join(root, 'core');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

/** Every module specifier in a file: static imports and exports, dynamic imports, require. */
export function specifiers(source: string): string[] {
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]/g];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1]!));
}

describe('architecture', () => {
  it('finds the imports the check relies on', () => {
    const source = `import a from 'x';\nimport type { B } from "../y.ts";\nexport * from './z.ts';\nimport 'side';\nconst c = await import('dyn');\nrequire('cjs');`;
    expect(specifiers(source)).to.have.members(['x', '../y.ts', './z.ts', 'side', 'dyn', 'cjs']);
  });

  it('keeps core/ pure: it imports only files inside core/, no package, no builtin', async () => {
    const files = await sourceFiles(core);
    expect(files.length).to.be.greaterThan(5);
    const offences: string[] = [];
    for (const file of files) {
      for (const specifier of specifiers(await readFile(file, 'utf8'))) {
        const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
        if (target === undefined || relative(core, target).startsWith('..')) offences.push(`${relative(root, file)} imports ${specifier}`);
      }
    }
    expect(offences, offences.join('\n')).to.deep.equal([]);
  });

  it('uses no decorators or inversify in core/', async () => {
    for (const file of await sourceFiles(core)) {
      const source = await readFile(file, 'utf8');
      expect(/^\s*@\w+\(/m.test(source), `${relative(root, file)} has a decorator`).to.equal(false);
      expect(source.includes('inversify'), `${relative(root, file)} mentions inversify`).to.equal(false);
    }
  });
});
