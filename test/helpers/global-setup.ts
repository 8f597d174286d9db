import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Tests that spawn the real binary need a dist/ built from the current sources. */
export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
}
