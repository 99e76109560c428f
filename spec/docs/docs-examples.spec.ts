import { readFileSync } from 'node:fs';
import { BehaviorSubject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { untilActive } from '../../docs/examples/for-await.js';
import { ssmModel } from '../../packages/rx-ssm/src/testing/index.js';

describe('README: consuming session$ with rxjs-for-await', () => {
  it('is the example the README shows', () => {
    const example = readFileSync(
      new URL('../../docs/examples/for-await.ts', import.meta.url),
      'utf8',
    );
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(
      example.trim(),
    );
  });

  it('runs: states until active, then leaving the loop tears the session down', async () => {
    const model = ssmModel({ latency: 5 });
    const source$ = new BehaviorSubject({
      src: 'a',
      token: 'ct-a',
      ssmServerUrl: 'https://ssm.test/ssm',
    });
    const seen = await untilActive(source$, { transport: model.transport });
    expect(seen).toEqual(['idle', 'setting-up', 'active']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(model.transport.requests.map((r) => r.call)).toEqual(['setup', 'teardown']);
    expect(model.liveSessions()).toBe(0);
  });
});

describe('docs/testing.md', () => {
  it.each(['testing-guide.spec.ts', 'testing-guide-licence.spec.ts'])(
    'shows the spec that runs in the suite (%s)',
    (name) => {
      const spec = readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
      expect(readFileSync(new URL('../../docs/testing.md', import.meta.url), 'utf8')).toContain(
        spec.trim(),
      );
    },
  );
});

describe('docs/react.md', () => {
  it('shows the example that spec/react renders', () => {
    const example = readFileSync(
      new URL('../../docs/examples/react-player.tsx', import.meta.url),
      'utf8',
    );
    expect(readFileSync(new URL('../../docs/react.md', import.meta.url), 'utf8')).toContain(
      example.trim(),
    );
  });
});

describe('docs/react-native.md', () => {
  it('shows the example that npm run lint type-checks', () => {
    const example = readFileSync(
      new URL('../../docs/examples/react-native-channel.tsx', import.meta.url),
      'utf8',
    );
    expect(readFileSync(new URL('../../docs/react-native.md', import.meta.url), 'utf8')).toContain(
      example.trim(),
    );
  });
});
