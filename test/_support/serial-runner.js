/**
 * jest's own runner, made serial: the tests of a project that names it run one file at a time, in
 * jest's process. jest.config.js gives it to the real-program tests (test/programs/), which start
 * servers and measure them: two at once on a 2-core machine would only slow each other into their
 * time limits. jest runs the tests of one runner, then those of the other (which first is up to
 * jest), so the two kinds never share the cores.
 */
const TestRunner = require('jest-runner').default;

class SerialRunner extends TestRunner {
  constructor(...args) {
    super(...args);
    this.isSerial = true;
  }
}

module.exports = SerialRunner;
