// Ends every run with how many suites were skipped and why, after the default reporter's output.
// Reasons come from the test files' task meta (test/support/skip.ts writes it in the workers). On CI
// a skipped suite fails the run: it must have none.
import type { Reporter, TestModule, TestSuite, Vitest } from 'vitest/node';
import { isCI } from './ci.ts';

export default class SkipReporter implements Reporter {
  private vitest!: Vitest;

  onInit(vitest: Vitest) {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const lines = testModules.flatMap(skippedSuites);
    this.vitest.logger.log(`skipped suites: ${lines.length}`);
    for (const line of lines) this.vitest.logger.log(`  ${line}`);
    // `-t` skips what it does not match; that is the developer's choice, not a missing binary.
    if (lines.length && isCI() && !this.vitest.config.testNamePattern) {
      this.vitest.logger.error('CI: no suite may be skipped');
      process.exitCode = 1;
    }
  }
}

/** One line per skipped suite (the outermost one, not each suite inside it), with its file's reasons. */
function skippedSuites(module: TestModule): string[] {
  const reasons = module.meta().skipReasons?.join('; ') ?? 'no reason recorded (describe.skip or .only elsewhere?)';
  const outermost = (suite: TestSuite) => suite.state() === 'skipped' && !(suite.parent.type === 'suite' && suite.parent.state() === 'skipped');
  return [...module.children.allSuites()].filter(outermost).map((suite) => `${module.moduleId.replace(`${module.project.config.root}/`, '')} > ${suite.fullName}: ${reasons}`);
}
