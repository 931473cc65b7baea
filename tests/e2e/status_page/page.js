// Drives mgw's status page in Debian's headless Chromium (playwright-core,
// no browser of its own). Run inside the namespace that holds mgw's API.
// Prints one JSON line of results; exits 1 on the first broken promise.
//   env: MGW_URL, MGW_TOKEN, VIP, KILL_PID (nginx of the server to take
//   down), DOWN_SERVER, DRAIN_SERVER, SHOTS (directory for screenshots)
"use strict";
const { chromium } = require(process.env.PW_DIR + "/node_modules/playwright-core");
const { execSync } = require("child_process");

const URL0 = process.env.MGW_URL, TOKEN = process.env.MGW_TOKEN, VIP = process.env.VIP;
const out = { console_errors: [], page_errors: [], foreign_requests: [], failed_requests: [] };
const sleep = ms => new Promise(r => setTimeout(r, ms));

async function api(path, opts = {}) {
  const r = await fetch(URL0 + path, { ...opts, headers: { Authorization: "Bearer " + TOKEN,
    "Content-Type": "application/json" } });
  return r.json();
}
async function rowStatus(page, server) {
  return page.evaluate(s => {
    const r = document.querySelector(`tr[data-server="${s}"] .badge`);
    return r ? r.textContent : null;
  }, server);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    // without credentials: the same rule as the API
    const r401 = await fetch(URL0 + "/");
    out.status_without_token = r401.status;
    out.www_authenticate = r401.headers.get("www-authenticate");

    const ctx = await browser.newContext({ httpCredentials: { username: "ops", password: TOKEN },
      viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.on("console", m => { if (m.type() === "error") out.console_errors.push(m.text()); });
    page.on("pageerror", e => out.page_errors.push(String(e)));
    page.on("request", q => { if (!q.url().startsWith(URL0)) out.foreign_requests.push(q.url()); });
    page.on("requestfailed", q => out.failed_requests.push(q.url() + " " + (q.failure() || {}).errorText));
    const resp = await page.goto(URL0 + "/");
    out.status = resp.status();
    out.csp = resp.headers()["content-security-policy"] || "";
    await page.waitForSelector(`h3[data-service="tcp/${VIP}/80"]`, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelectorAll("tr[data-server]").length >= 2, null, { timeout: 5000 });
    out.title = await page.title();
    out.text_has_vip = (await page.textContent("#services")).includes(`${VIP}:80`);
    out.servers = await page.$$eval("tr[data-server]", rs => rs.map(r => r.dataset.server));
    out.state = await page.textContent("#state");
    await sleep(2200);   // two refreshes: rates need two samples
    out.lcore_busy = await page.$$eval("#lcores tr", rs => rs.slice(1).map(r => r.cells[2].textContent));
    out.port_rows = await page.$$eval("#ports tr", rs => rs.slice(1).map(r => r.cells[0].textContent + " " + r.cells[1].textContent));
    await page.screenshot({ path: process.env.SHOTS + "/status_page-desktop.png", fullPage: true });

    // a server goes down: the page says so within 3 s
    const down = process.env.DOWN_SERVER;
    out.before_kill = await rowStatus(page, down);
    const t0 = Date.now();
    execSync("kill " + process.env.KILL_PID);
    let apiDown = null, pageDown = null;
    while (Date.now() - t0 < 10000 && pageDown === null) {
      if (apiDown === null) {
        const s = await api(`/api/v1/services/tcp/${VIP}/80/servers/${down.replace(":", "/")}`);
        if (s.status === "down") apiDown = Date.now() - t0;
      }
      if ((await rowStatus(page, down)) === "down") pageDown = Date.now() - t0;
      else await sleep(50);
    }
    out.api_down_ms = apiDown;
    out.page_down_ms = pageDown;

    // drain behind a confirmation: dismissed changes nothing, accepted drains
    const dr = process.env.DRAIN_SERVER, drPath = `/api/v1/services/tcp/${VIP}/80/servers/${dr.replace(":", "/")}`;
    page.once("dialog", d => { out.dialog_text = d.message(); d.dismiss(); });
    await page.click(`button[data-server="${dr}"]`);
    await sleep(1200);
    out.drain_after_dismiss = (await api(drPath)).drain;
    page.once("dialog", d => d.accept());
    await page.click(`button[data-server="${dr}"]`);
    await page.waitForFunction(s => {
      const b = document.querySelector(`button[data-server="${s}"]`);
      return b && b.textContent === "undrain";
    }, dr, { timeout: 5000 });
    out.drain_after_accept = (await api(drPath)).drain;
    out.drain_row_status = await rowStatus(page, dr);
    page.once("dialog", d => d.accept());
    await page.click(`button[data-server="${dr}"]`);
    await page.waitForFunction(s => document.querySelector(`button[data-server="${s}"]`).textContent === "drain", dr, { timeout: 5000 });
    out.drain_after_undrain = (await api(drPath)).drain;

    // a phone: nothing wider than the screen (tables scroll in their box)
    await page.setViewportSize({ width: 390, height: 844 });
    await sleep(1200);
    out.phone_overflow_px = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: process.env.SHOTS + "/status_page-phone.png", fullPage: true });
    await ctx.close();
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.log(JSON.stringify({ ...out, fatal: String(e) })); process.exit(1); });
