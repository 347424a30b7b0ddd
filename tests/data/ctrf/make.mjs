// Writes jest.json: a CTRF report of a jest run, built with the CTRF reference
// implementation (the `ctrf` npm package, 0.3.0) the way a jest reporter would.
// Run: cd /tmp && npm install ctrf && NODE_PATH=/tmp/node_modules node make.mjs
// (from tests/data/ctrf/). The report ids are fixed so the file is reproducible.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";

const require = createRequire(process.env.NODE_PATH + "/");
const { ReportBuilder, TestBuilder, validateStrict, stringify } = require("ctrf");

const root = "/home/dev/cart";
const t = (suite, name) =>
  new TestBuilder().name(`${suite.join(" ")} ${name}`).suite(suite).filePath(`${root}/src/${suite[0]}.test.js`);

const tests = [
  t(["cart"], "adds an item").status("passed").duration(12).line(8).build(),
  t(["cart"], "totals with tax").status("failed").duration(31).line(19)
    .message("expect(received).toBe(expected) // Object.is equality\n\nExpected: 107\nReceived: 100")
    .trace("Error: expect(received).toBe(expected)\n    at Object.<anonymous> (/home/dev/cart/src/tax.js:14:11)\n" +
           "    at Object.<anonymous> (/home/dev/cart/src/cart.test.js:21:5)\n" +
           "    at Promise.then.completed (/home/dev/cart/node_modules/jest-circus/build/utils.js:298:28)")
    .build(),
  t(["checkout"], "talks to the payment API").status("failed").duration(5003)
    .message("connect ECONNREFUSED 127.0.0.1:8443")
    .trace("Error: connect ECONNREFUSED 127.0.0.1:8443\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)")
    .build(),
  t(["checkout"], "retries a declined card").status("passed").duration(40).retries(2).flaky(true)
    .addRetryAttempt({ attempt: 1, status: "failed", message: "Timeout" })
    .addRetryAttempt({ attempt: 2, status: "failed", message: "Timeout" })
    .build(),
  t(["checkout"], "applies a coupon").status("skipped").duration(0).build(),
  t(["checkout"], "ships abroad").status("pending").duration(0).build(),
  t(["checkout"], "survives a crash").status("other").rawStatus("broken").duration(1).build(),
];

const report = new ReportBuilder()
  .reportId("7d3c9a4e-1f2b-4c5d-8e6f-0a1b2c3d4e5f")
  .timestamp("2026-11-24T12:00:00Z")
  .tool({ name: "jest", version: "29.7.0" })
  .addTests(tests)
  .summaryOverrides({ start: 1795000000000, stop: 1795000006000 })
  .build();
validateStrict(report);
writeFileSync("jest.json", stringify(report, { pretty: true }) + "\n");
