#!/usr/bin/env node
// Size budget check for CI: builds every bundle of bench/size-budget.json with esbuild and exits
// non-zero when one with a budget is over it, naming the inputs that weigh most. Budgets are for
// the production build (process.env.NODE_ENV "production"); the development build's size is
// printed for information. Size only: nothing here depends on the machine's speed.
import { byPackage, measureBundle, sizeBudgets } from './bundle-size.mjs';

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
let over = 0;
for (const bundle of sizeBudgets()) {
  const size = await measureBundle(bundle);
  const verdict =
    size.budget === undefined ? '' : size.gzip <= size.budget ? ' ok' : ' OVER BUDGET';
  const budget = size.budget === undefined ? '' : ` / budget ${kb(size.budget)}`;
  console.log(
    `${size.name}: ${kb(size.gzip)} gzipped (${kb(size.bytes)} minified)${budget}${verdict}; development build ${kb(size.development.gzip)}`,
  );
  if (size.budget !== undefined && size.gzip > size.budget) {
    over += 1;
    for (const [name, bytes] of byPackage(size.inputs)) console.log(`  ${name}: ${kb(bytes)}`);
    for (const input of size.inputs.slice(0, 10))
      console.log(`  ${input.path}: ${kb(input.bytes)}`);
  }
}
process.exitCode = over > 0 ? 1 : 0;
