'use strict';
// jest globalTeardown: removes the run's temporary folder (see global-tmpdir.js).
module.exports = require('./global-tmpdir').teardown;
