// The reference MJML compiler (npm `mjml`, pinned in package-lock.json) for
// tests/content/test_mjml_reference.py: reads [{"path": ...}] on stdin and writes
// {"path": html} on stdout, each file compiled as the MJML CLI would compile it.
"use strict";
const fs = require("fs");
const mjml2html = require("mjml");

async function main() {
  const files = JSON.parse(fs.readFileSync(0, "utf8"));
  const out = {};
  for (const { path } of files) {
    const result = await mjml2html(fs.readFileSync(path, "utf8"), {
      filePath: path,
      validationLevel: "soft",
      keepComments: false,
    });
    out[path] = result.html;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
