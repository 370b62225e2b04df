/*
 * flipdns dashboard: plain JavaScript on the HTTP API (/api/v1/).
 *
 * The token is kept in sessionStorage (this tab only) and sent as
 * "Authorization: Bearer": no cookie, so another site cannot make the
 * browser send it (no CSRF).  Text from the server is always set with
 * textContent, never as HTML.  The page polls /api/v1/status every
 * POLL_MS and reloads what it shows when the zone serial moves.
 */
"use strict";

const POLL_MS = 2000;
const KEY = "flipdns.token";
const state = { page: "groups", serial: null, apps: [], groups: [],
                timer: null };

const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function cell(row, label, content) {
  const td = el("td");
  td.dataset.label = label;
  if (content instanceof Node) td.appendChild(content);
  else td.textContent = content === null || content === undefined ?
    "none" : String(content);
  row.appendChild(td);
  return td;
}

function notice(text, error) {
  const n = $("notice");
  n.textContent = text || "";
  n.className = error ? "error" : "";
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const opts = { method, headers: {
    Authorization: "Bearer " + (sessionStorage.getItem(KEY) || "") } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch("/api/v1/" + path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401) {
    signOut("Signed out: " + (data && data.error ? data.error.message :
      "the token was refused"));
    throw new ApiError(401, "denied", "not signed in");
  }
  if (!r.ok) {
    const e = data && data.error ? data.error :
      { code: "http", message: "HTTP " + r.status };
    throw new ApiError(r.status, e.code, e.message);
  }
  return data;
}

/* Every page of a list (the API pages at 1000 by default). */
async function listAll(what) {
  let out = [], after = null;
  do {
    const q = after ? "?after=" + encodeURIComponent(after) : "";
    const page = await api("GET", what + q);
    out = out.concat(page[what]);
    after = page.next;
  } while (after);
  return out;
}

function confirmDialog(title, text) {
  const d = $("confirm");
  $("confirm-h").textContent = title;
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"),
      { once: true });
    d.returnValue = "";
    d.showModal();
    $("confirm-cancel").focus();
  });
}

function appOf(name) {
  return state.apps.find((x) => x.name === name) || null;
}

/* An app's health from its checks: up, down, or none while unchecked. */
function healthLabel(a) {
  const h = a && a.health ? a.health.state : null;
  const span = el("span", "health=" + (h || "unknown"),
    h ? "health-" + h : "muted");
  if (a && a.health && a.health.why) span.title = a.health.why;
  return span;
}

function appLabel(name) {
  if (!name) return el("span", "none", "muted");
  const a = appOf(name);
  const span = el("span", name);
  if (a) {
    span.appendChild(document.createTextNode(" "));
    span.appendChild(el("span", "FAILOVER_STATUS=" + a.status,
      "status-" + a.status));
    span.appendChild(document.createTextNode(" "));
    span.appendChild(healthLabel(a));
  }
  return span;
}

function copyButton(text) {
  const b = el("button", "Copy");
  b.type = "button";
  b.setAttribute("aria-label", "Copy address " + text);
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      notice("Copied " + text);
    } catch (e) {
      /* no clipboard (plain HTTP off localhost): select it instead */
      const r = document.createRange();
      r.selectNodeContents(b.previousSibling);
      getSelection().removeAllRanges();
      getSelection().addRange(r);
      notice("Press Ctrl+C to copy " + text);
    }
  });
  return b;
}

function renderGroups() {
  const tb = $("groups").querySelector("tbody");
  tb.replaceChildren();
  $("groups-empty").hidden = state.groups.length > 0;
  for (const g of state.groups) {
    const tr = el("tr");
    tr.dataset.address = g.address;
    const a = el("span");
    a.appendChild(el("code", g.address, "addr"));
    a.appendChild(document.createTextNode(" "));
    a.appendChild(copyButton(g.address));
    cell(tr, "Address", a);
    cell(tr, "Primary", appLabel(g.primary));
    cell(tr, "Backup", appLabel(g.backup));
    const activeApp = g.active === "backup" ? g.backup : g.primary;
    cell(tr, "Active", el("span", g.active + " (" + (activeApp || "no app") +
      ")", "active"));
    cell(tr, "TTL", g.ttl);
    const acts = el("div", null, "row");
    const sw = el("button", "Switch");
    sw.type = "button";
    sw.className = "switch";
    sw.setAttribute("aria-label", "Switch " + g.address);
    sw.addEventListener("click", () => switchGroup(g));
    acts.appendChild(sw);
    const del = el("button", "Delete", "danger delete");
    del.type = "button";
    del.setAttribute("aria-label", "Delete " + g.address);
    const attached = [g.primary, g.backup].filter(Boolean);
    if (attached.length) {
      del.disabled = true;
      const why = el("span", "Delete is off while apps are attached (" +
        attached.join(", ") + "): set primary and backup to none first.",
        "reason");
      why.id = "why-" + g.label;
      del.setAttribute("aria-describedby", why.id);
      acts.appendChild(del);
      acts.appendChild(why);
    } else {
      del.addEventListener("click", () => deleteGroup(g));
      acts.appendChild(del);
    }
    cell(tr, "Actions", acts);
    tb.appendChild(tr);
  }
}

async function switchGroup(g) {
  const to = g.active === "primary" ? "backup" : "primary";
  const from = g.active === "primary" ? g.primary : g.backup;
  const dest = to === "primary" ? g.primary : g.backup;
  const ok = await confirmDialog("Switch " + g.address + "?",
    "The active side goes from " + g.active + " (" + (from || "no app") +
    ") to " + to + " (" + (dest || "no app") + "): " + g.address +
    " will answer with " + (dest ? dest + "'s endpoints" : "no records") +
    " within its TTL of " + g.ttl + " seconds.");
  if (!ok) return;
  try {
    const r = await api("POST", "groups/" + encodeURIComponent(g.address) +
      "/switch", { to });
    notice("Switched " + r.address + ": " + r.active + " is active.");
    await refresh();
  } catch (e) {
    if (e.status !== 401) notice("Switch refused: " + e.message, true);
  }
}

async function deleteGroup(g) {
  const ok = await confirmDialog("Delete " + g.address + "?",
    "The group and its DNS name go away; the label is never reused.");
  if (!ok) return;
  try {
    await api("DELETE", "groups/" + encodeURIComponent(g.address));
    notice("Deleted " + g.address + ".");
    await refresh();
  } catch (e) {
    if (e.status !== 401) notice("Delete refused: " + e.message, true);
  }
}

function renderApps() {
  const tb = $("apps").querySelector("tbody");
  tb.replaceChildren();
  $("apps-empty").hidden = state.apps.length > 0;
  for (const a of state.apps) {
    const tr = el("tr");
    tr.dataset.name = a.name;
    cell(tr, "Name", a.name);
    cell(tr, "FAILOVER_STATUS", el("span", a.status, "status-" + a.status));
    cell(tr, "Health", healthLabel(a));
    cell(tr, "Endpoints", a.cname ? "CNAME " + a.cname :
      (a.addrs || []).join(", "));
    const following = state.groups.filter((g) => g.primary === a.name ||
      g.backup === a.name);
    const list = el("ul");
    for (const g of following) {
      const role = g.primary === a.name ? "primary" : "backup";
      list.appendChild(el("li", g.address + " (" + role +
        (g.active === role ? ", active" : "") + ")"));
    }
    cell(tr, "Groups following", following.length ? list :
      el("span", "none", "muted"));
    const acts = el("div", null, "row");
    const rm = el("button", "Remove", "danger");
    rm.type = "button";
    rm.setAttribute("aria-label", "Remove app " + a.name);
    rm.addEventListener("click", async () => {
      if (!await confirmDialog("Remove app " + a.name + "?",
        "Refused while a group points at it.")) return;
      try {
        await api("DELETE", "apps/" + encodeURIComponent(a.name));
        notice("Removed " + a.name + ".");
        await refresh();
      } catch (e) {
        if (e.status !== 401) notice("Remove refused: " + e.message, true);
      }
    });
    acts.appendChild(rm);
    cell(tr, "Actions", acts);
    tb.appendChild(tr);
  }
}

function fillAppSelect(sel) {
  const keep = sel.value;
  sel.replaceChildren(el("option", "none"));
  sel.firstChild.value = "";
  for (const a of state.apps) {
    const o = el("option", a.name);
    o.value = a.name;
    sel.appendChild(o);
  }
  sel.value = keep;
}

function diffText(before, after) {
  if (!before && after) return "created";
  if (before && !after) return "deleted";
  if (!before || !after) return "";
  const parts = [];
  for (const k of Object.keys(after)) {
    if (k === "created" || k === "updated") continue;
    const a = JSON.stringify(before[k]), b = JSON.stringify(after[k]);
    if (a !== b) parts.push(k + " " + (a === undefined ? "none" : a) +
      " \u2192 " + b);
  }
  return parts.join(", ");
}

async function loadHistory() {
  const name = $("h-name").value.trim();
  const limit = parseInt($("h-limit").value, 10) || 50;
  let q = "?limit=" + limit;
  if (name) q += "&name=" + encodeURIComponent(name);
  try {
    const r = await api("GET", "history" + q);
    const tb = $("history").querySelector("tbody");
    tb.replaceChildren();
    for (const h of r.entries) {
      const tr = el("tr");
      cell(tr, "Serial", h.serial);
      cell(tr, "Time (UTC)", new Date(h.time * 1000).toISOString()
        .replace(".000Z", "Z"));
      const actor = h.actor && typeof h.actor === "object" ? h.actor.name :
        h.actor;
      cell(tr, "Actor", actor === null || actor === undefined ?
        "uid " + h.uid : actor);
      cell(tr, "Change", h.op);
      cell(tr, "Subject", h.subject);
      cell(tr, "What changed", diffText(h.before, h.after));
      tb.appendChild(tr);
    }
  } catch (e) {
    if (e.status !== 401) notice("History: " + e.message, true);
  }
}

async function refresh() {
  try {
    const [status, apps, groups] = await Promise.all([
      api("GET", "status"), listAll("apps"), listAll("groups")]);
    state.serial = status.serial;
    state.apps = apps;
    state.groups = groups;
    $("zone").textContent = "zone " + status.zone + ", serial " +
      status.serial;
    renderGroups();
    renderApps();
    fillAppSelect($("g-primary"));
    fillAppSelect($("g-backup"));
    if (state.page === "history") await loadHistory();
  } catch (e) {
    if (e.status !== 401) notice("Cannot load: " + e.message, true);
  }
}

/* Reload only when something changed: the serial counts every change. */
async function poll() {
  if (!sessionStorage.getItem(KEY)) return;
  try {
    const s = await api("GET", "status");
    if (s.serial !== state.serial) await refresh();
  } catch (e) { /* shown by api() on 401; retried next time */ }
}

function show(page) {
  state.page = page;
  for (const p of ["groups", "apps", "history"])
    $("page-" + p).hidden = p !== page;
  for (const b of $("nav").querySelectorAll("button[data-page]")) {
    if (b.dataset.page === page) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (page === "history") loadHistory();
}

function signedIn() {
  $("signin").hidden = true;
  $("nav").hidden = false;
  show(state.page);
  refresh();
  if (!state.timer) state.timer = setInterval(poll, POLL_MS);
}

function signOut(why) {
  sessionStorage.removeItem(KEY);
  clearInterval(state.timer);
  state.timer = null;
  state.serial = null;
  $("nav").hidden = true;
  for (const p of document.querySelectorAll(".page")) p.hidden = true;
  $("signin").hidden = false;
  $("zone").textContent = "";
  notice(why || "", Boolean(why));
  $("token").focus();
}

function endpointsBody(text) {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ip = /^[0-9.]+$|:/;
  if (parts.length === 1 && !ip.test(parts[0])) return { cname: parts[0] };
  return { addrs: parts };
}

function init() {
  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    try {
      await api("GET", "status");
      notice("");
      signedIn();
    } catch (e) {
      if (e.status !== 401) notice("Cannot sign in: " + e.message, true);
    }
  });
  $("signout").addEventListener("click", () => signOut(""));
  for (const b of $("nav").querySelectorAll("button[data-page]"))
    b.addEventListener("click", () => show(b.dataset.page));

  $("group-add").addEventListener("click", () => {
    $("group-form").hidden = false;
    $("g-primary").focus();
  });
  $("g-cancel").addEventListener("click", () => {
    $("group-form").hidden = true;
    $("group-add").focus();
  });
  $("group-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {};
    if ($("g-primary").value) body.primary = $("g-primary").value;
    if ($("g-backup").value) body.backup = $("g-backup").value;
    if ($("g-ttl").value !== "") body.ttl = parseInt($("g-ttl").value, 10);
    try {
      const g = await api("POST", "groups", body);
      notice("Created " + g.address + ": point your DNS name at it " +
        "(CNAME).");
      $("group-form").reset();
      $("group-form").hidden = true;
      await refresh();
    } catch (e) {
      if (e.status !== 401) notice("Create refused: " + e.message, true);
    }
  });

  $("app-add").addEventListener("click", () => {
    $("app-form").hidden = false;
    $("a-name").focus();
  });
  $("a-cancel").addEventListener("click", () => {
    $("app-form").hidden = true;
    $("app-add").focus();
  });
  $("app-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = Object.assign({ name: $("a-name").value.trim() },
      endpointsBody($("a-endpoints").value));
    try {
      const a = await api("POST", "apps", body);
      notice("Added app " + a.name + ".");
      $("app-form").reset();
      $("app-form").hidden = true;
      await refresh();
    } catch (e) {
      if (e.status !== 401) notice("Add refused: " + e.message, true);
    }
  });
  $("history-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadHistory();
  });

  if (sessionStorage.getItem(KEY)) signedIn();
  else signOut("");
}

document.addEventListener("DOMContentLoaded", init);
