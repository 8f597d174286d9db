// `npm run golden:update`: rebuilds flows/ (the build of examples/envsync.yaml) and the golden
// builds of the other examples under test/golden/. Review the diff before committing it.
import { execFileSync } from "node:child_process";

const builds = [
  ["examples/envsync.yaml", "flows"],
  ["examples/minimal.yaml", "test/golden/minimal"],
  ["examples/multi-project.yaml", "test/golden/multi-project"],
];
for (const [config, out] of builds) {
  execFileSync(process.execPath, ["dist/cli.js", "build", "-c", config, "-o", out], {
    stdio: "inherit",
  });
}
