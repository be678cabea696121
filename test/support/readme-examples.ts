/** README's "Testing your app" examples, as README shows them: read by the README check and by the pack test. */
import { readFileSync } from 'node:fs'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** The text of README's "Testing your app" section, up to the next section. */
export function testingYourAppSection(): string {
  return readme.slice(readme.indexOf('### Testing your app'), readme.indexOf('### Test controls over HTTP'))
}

/** Every TypeScript block of that section, in order: the set-up first, then one example per edge case. */
export function testingYourAppExamples(): string[] {
  return [...testingYourAppSection().matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
}
