// Drives the example server's admin page in a real headless Chromium with
// playwright-core (no browser download: it uses the system's chromium) and
// node's built-in test runner.
//
//   cd examples/server/e2e && npm ci && npm test
//
// Skipped with a message when no Chromium is found (apt-get install -y
// chromium, or set CHROMIUM=/path/to/browser). Set E2E_SCREENSHOTS to a
// directory to keep the screenshots; the README's images come from
// E2E_SCREENSHOTS=../docs/screenshots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..", "..");

function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"]) {
    if (existsSync(p)) return p;
  }
  return "";
}

const browserPath = findChromium();
const skip = browserPath
  ? false
  : "no chromium found: install it with `apt-get install -y chromium` or set CHROMIUM=/path/to/browser";

const ADMIN_PASSWORD = "browser-test-pw";

// startServer builds the example with the library module and runs it on a
// free port; it resolves to the base URL once the server has announced it.
async function startServer(t) {
  const dir = mkdtempSync(path.join(tmpdir(), "scimkit-browser-"));
  const bin = path.join(dir, "server");
  execFileSync("go", ["build", "-o", bin, "./examples/server"], { cwd: repoRoot, stdio: "inherit" });
  const proc = spawn(bin, ["-addr", "127.0.0.1:0", "-store", "sqlite", "-data", path.join(dir, "data")], {
    env: { ...process.env, SCIM_TOKEN: "default-secret", SCIM_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  t.after(() => proc.kill("SIGTERM"));
  return await new Promise((resolve, reject) => {
    let base = "";
    const timer = setTimeout(() => reject(new Error("server did not start in 30s:\n" + stderr)), 30000);
    proc.on("exit", (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
    createInterface({ input: proc.stdout }).on("line", (line) => {
      if (line.startsWith("SCIM tenant URL: ")) base = line.slice("SCIM tenant URL: ".length).replace(/\/scim\/v2$/, "");
      if (line.startsWith("Admin page: ")) {
        clearTimeout(timer);
        resolve(base);
      }
    });
  });
}

// scim sends one Entra-shaped request (the test plays Microsoft Entra ID).
async function scim(method, url, token, body) {
  const headers = { Authorization: `Bearer ${token}`, "User-Agent": "Microsoft Azure AD SCIM provisioning 1.0" };
  if (body) headers["Content-Type"] = "application/scim+json";
  const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : null };
}

const entraUser = (upn, given, family) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  externalId: `oid-${given.toLowerCase()}`,
  userName: upn,
  active: "True",
  displayName: `${given} ${family}`,
  emails: [{ primary: true, type: "work", value: upn }],
  name: { givenName: given, familyName: family },
  roles: [],
});

const activePatch = (v) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations: [{ op: "Replace", path: "active", value: v }],
});

const match = (tenant, upn) => `${tenant}/Users?filter=${encodeURIComponent(`userName eq "${upn}"`)}`;

test("admin page: create, provision, watch sync, rotate, end", { skip, timeout: 180000 }, async (t) => {
  const base = await startServer(t);
  const shots = process.env.E2E_SCREENSHOTS
    ? path.resolve(process.env.E2E_SCREENSHOTS)
    : mkdtempSync(path.join(tmpdir(), "scimkit-shots-"));
  mkdirSync(shots, { recursive: true });

  const context = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "scimkit-profile-")), {
    executablePath: browserPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15000);
  const shot = async (name, selector) => {
    const file = path.join(shots, name);
    if (selector) await page.locator(selector).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
  };

  // Sign in.
  await page.goto(`${base}/admin/`);
  await page.fill("#password", ADMIN_PASSWORD);
  await page.click("#login");
  await page.waitForLoadState();
  if (!(await page.$("#create-form"))) {
    await shot("debug-login.png");
    throw new Error(`login failed at ${page.url()}:\n${await page.content()}`);
  }

  // Create the two connections of the two-endpoint product via the form.
  const create = async (name, id, seats) => {
    await page.goto(`${base}/admin/`);
    await page.fill("#new-name", name);
    await page.fill("#new-id", id);
    await page.fill("#new-seats", seats);
    await page.click("#create");
    await page.waitForSelector("#new-token");
    // Copy the token as an admin does: click Copy, take the value.
    await page.click('button[data-copy="new-token"]');
    assert.equal(await page.textContent('button[data-copy="new-token"]'), "Copied");
    return { url: await page.inputValue("#tenant-url"), token: await page.inputValue("#new-token") };
  };
  const rooms = await create("Rooms", "rooms", "0");
  const adv = await create("Advisors", "advisors", "2");
  await shot("01-connection-created.png");
  assert.equal(adv.url, `${base}/c/advisors/scim/v2`);
  assert.match(adv.token, /^scim_[A-Za-z0-9_-]{43}$/);

  // Entra: test connection, then match + create for three users; the
  // licence has two seats, so the third is refused.
  let r = await scim("GET", match(adv.url, "5d3c1e9a-2b7f-4c1d-9e8a-0f6b4a2c7d13"), adv.token);
  assert.equal(r.status, 200);
  assert.equal(r.body.totalResults, 0);
  const ids = {};
  for (const [upn, given, family, want] of [
    ["adele.v@contoso.example", "Adele", "Vance", 201],
    ["bob.k@contoso.example", "Bob", "Kelly", 201],
    ["carol.s@contoso.example", "Carol", "Smith", 403],
  ]) {
    assert.equal((await scim("GET", match(adv.url, upn), adv.token)).status, 200);
    r = await scim("POST", `${adv.url}/Users`, adv.token, entraUser(upn, given, family));
    assert.equal(r.status, want, `create ${given}: ${JSON.stringify(r.body)}`);
    if (r.status === 201) ids[given] = r.body.id;
  }
  assert.equal(r.body.detail, "licence for 2 active users exhausted");
  r = await scim("PATCH", `${adv.url}/Users/${ids.Adele}`, adv.token, activePatch("False"));
  assert.ok(r.status === 200 || r.status === 204, `deactivate: ${r.status}`);
  r = await scim("POST", `${rooms.url}/Users`, rooms.token, entraUser("room.4-210@contoso.example", "Room", "4-210"));
  assert.equal(r.status, 201);

  // The synchronization view shows every request.
  await page.goto(`${base}/admin/connections/advisors`);
  const log = await page.textContent("#sync-log");
  for (const want of ["POST /Users", "create", "licence for 2 active users exhausted", "deactivate", "entra.string-boolean"]) {
    assert.ok(log.includes(want), `sync view lacks ${want}:\n${log}`);
  }
  assert.equal((await page.textContent("#failures")).trim(), "1");
  const users = await page.textContent("#user-table");
  for (const want of ["adele.v@contoso.example", "bob.k@contoso.example", "inactive"]) {
    assert.ok(users.includes(want), `users table lacks ${want}`);
  }
  assert.ok(!users.includes("carol"), "refused user is listed");
  assert.equal((await page.textContent("#seat-usage")).trim(), "1 of 2 active users");
  assert.ok((await page.textContent("#notifications")).includes("1 session(s) revoked"));
  await shot("02-sync-view.png", "#sync");
  await shot("03-users.png", "#users");
  await shot("04-deprovisioning.png", "#deprovisioning");
  await shot("05-entra-mapping.png", "#mapping");

  await page.click("#filter-failure");
  await page.waitForURL(/outcome=failure/);
  const failures = await page.textContent("#sync-log");
  assert.ok(failures.includes("403") && !failures.includes("201"), `failure filter:\n${failures}`);
  await shot("06-sync-failures.png", "#sync");

  // Regenerate the token: the old one keeps working until it is revoked.
  await page.click("#rotate");
  await page.waitForSelector("#new-token");
  const token2 = await page.inputValue("#new-token");
  assert.notEqual(token2, adv.token);
  assert.equal((await scim("GET", `${adv.url}/Users`, adv.token)).status, 200, "old token during overlap");
  assert.equal((await scim("GET", `${adv.url}/Users`, token2)).status, 200, "new token");
  await shot("07-token-rotated.png", "#setup");
  const rows = page.locator("#tokens tbody tr");
  assert.equal(await rows.count(), 2);
  const oldID = await rows.nth(1).getAttribute("data-token"); // newest first
  await page.click(`button[data-revoke="${oldID}"]`);
  await page.waitForSelector("#flash");
  assert.equal((await scim("GET", `${adv.url}/Users`, adv.token)).status, 401, "old token after revoke");
  assert.equal((await scim("GET", `${adv.url}/Users`, token2)).status, 200, "new token after revoke");

  // End SCIM connection: tokens revoked, users stay.
  await page.check("#end-confirm");
  await page.click("#end");
  await page.waitForSelector("#flash");
  assert.equal((await page.textContent("#status")).trim(), "ended");
  assert.equal((await scim("GET", `${adv.url}/Users`, token2)).status, 401, "token after end");
  assert.ok((await page.textContent("#user-table")).includes("bob.k@contoso.example"), "users stay after end");
  await shot("08-connection-ended.png", "#setup");

  await page.goto(`${base}/admin/`);
  const list = await page.textContent("#connections");
  assert.ok(list.includes("/c/rooms/scim/v2") && list.includes("ended"), list);
  await shot("00-connections.png");
  t.diagnostic(`screenshots in ${shots}`);
});
