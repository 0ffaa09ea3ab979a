// fakekapi console: plain JavaScript, no build step, no third-party code.
// Every call is an ordinary API call with the signed-in user's bearer token, so the page shows
// exactly what that identity may see. The token lives in this script's memory and in
// sessionStorage (gone with the tab); it is never written into the page.
"use strict";

const FEED = "/fakekapi/v1/requests";
const TOKEN_KEY = "fakekapi-console-token";
const MATRIX_RESOURCES = [
  "pods", "deployments", "services", "configmaps", "secrets", "serviceaccounts", "jobs",
  "events", "namespaces", "nodes", "roles", "rolebindings",
];
const MATRIX_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];
const MAX_ROWS = 300;

const state = {
  token: null,
  user: null,
  records: [],
  selectedSeq: null,
  stream: null,
  loaded: new Set(),
  created: null,
};

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(code, status) {
    super((status && status.message) || `HTTP ${code}`);
    this.code = code;
    this.status = status;
  }
}

function headers(extra) {
  return { Authorization: `Bearer ${state.token}`, Accept: "application/json", ...extra };
}

async function api(method, path, body) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  let data = null;
  try {
    data = await res.json();
  } catch (_) {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

async function createOrKeep(path, body) {
  try {
    return await api("POST", path, body);
  } catch (e) {
    if (e.code === 409) return null; // already there
    throw e;
  }
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function setError(id, err) {
  $(id).textContent = err ? describeError(err) : "";
}

function describeError(err) {
  if (!(err instanceof ApiError)) return String(err);
  let text = `${err.code}: ${err.message}`;
  if (err.code === 403 && err.message.includes("/fakekapi/")) {
    text += "\nWhy: the console's own API lives under the non-resource URL /fakekapi/*. " +
      "A role grants it with nonResourceURLs: [\"/fakekapi/*\"] and verb get (post for " +
      "/fakekapi/v1/access): cluster-admin has it, view and edit do not.";
  } else if (err.code === 403) {
    text += "\nWhy: no RoleBinding or ClusterRoleBinding of this identity grants it. " +
      "The Identities & RBAC view shows what it may do and the closest rule.";
  } else if (err.code === 401) {
    text += "\nWhy: the API server did not accept the token (expired, revoked or not a token).";
  }
  return text;
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: type || "application/octet-stream" }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// -- sign-in ------------------------------------------------------------------------------------

function tokenFromFragment() {
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

async function signIn(token) {
  state.token = token;
  try {
    const review = await api("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    });
    state.user = review.status.userInfo;
  } catch (e) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    setError("login-error", e);
    showView("login");
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  setError("login-error", null);
  $("who").textContent = `Signed in as ${state.user.username}`;
  $("nav").hidden = false;
  $("logout").hidden = false;
  showView("requests");
}

function signOut() {
  if (state.stream) state.stream.abort();
  state.stream = null;
  state.token = null;
  state.user = null;
  state.records = [];
  state.loaded.clear();
  sessionStorage.removeItem(TOKEN_KEY);
  $("who").textContent = "";
  $("nav").hidden = true;
  $("logout").hidden = true;
  showView("login");
}

// -- views --------------------------------------------------------------------------------------

const LOADERS = {
  requests: startFeed,
  rbac: loadIdentities,
  credentials: () => {},
  workloads: loadNamespaces,
};

function showView(name) {
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== `view-${name}`;
  }
  for (const button of document.querySelectorAll("nav button")) {
    if (button.dataset.view === name) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  if (name !== "login" && !state.loaded.has(name)) {
    state.loaded.add(name);
    LOADERS[name]();
  }
}

// -- live requests ------------------------------------------------------------------------------

async function startFeed() {
  const controller = new AbortController();
  state.stream = controller;
  let res;
  try {
    res = await fetch(FEED, { headers: headers(), signal: controller.signal });
  } catch (e) {
    setError("requests-error", e);
    return;
  }
  if (!res.ok) {
    let status = null;
    try {
      status = await res.json();
    } catch (_) {
      status = null;
    }
    setError("requests-error", new ApiError(res.status, status));
    state.loaded.delete("requests");
    return;
  }
  setError("requests-error", null);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let scheduled = false;
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (_) {
      break;
    }
    if (chunk.done) break;
    buffered += decoder.decode(chunk.value, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop();
    for (const line of lines) {
      if (!line.trim()) continue;
      state.records.unshift(JSON.parse(line));
    }
    if (state.records.length > 2000) state.records.length = 2000;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        renderRequests();
      });
    }
  }
  if (state.stream === controller) state.loaded.delete("requests");
}

function matchesFilters(r) {
  const f = new FormData($("request-filters"));
  const user = (f.get("user") || "").trim();
  const verb = (f.get("verb") || "").trim().toLowerCase();
  const ns = (f.get("namespace") || "").trim();
  const status = f.get("status") || "";
  if (user && !r.user.includes(user)) return false;
  if (verb && r.verb !== verb && r.method.toLowerCase() !== verb) return false;
  if (ns && r.namespace !== ns) return false;
  if (status && !String(r.code).startsWith(status)) return false;
  return true;
}

function renderRequests() {
  const body = $("requests-table").tBodies[0];
  const rows = [];
  for (const r of state.records) {
    if (rows.length >= MAX_ROWS) break;
    if (!matchesFilters(r)) continue;
    const row = el(
      "tr",
      { tabindex: "0", "data-seq": r.seq, "aria-selected": String(r.seq === state.selectedSeq) },
      el("td", {}, r.time.slice(11, 23)),
      el("td", {}, r.method),
      el("td", { class: "path" }, r.uri),
      el("td", { class: `code-${String(r.code)[0]}` }, r.code),
      el("td", {}, r.user || "-"),
      el("td", {}, r.decision || "-"),
      el("td", {}, r.latencyMs),
    );
    const open = () => showRequest(r);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        open();
      }
    });
    rows.push(row);
  }
  body.replaceChildren(...rows);
}

function detailList(pairs) {
  const dl = el("dl");
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    dl.append(el("dt", {}, k));
    dl.append(el("dd", {}, v));
  }
  return dl;
}

function showRequest(r) {
  state.selectedSeq = r.seq;
  const panel = $("request-detail");
  const parts = [
    el("h3", {}, `${r.method} ${r.uri}`),
    detailList([
      ["Status", String(r.code)],
      ["User", r.user],
      ["Groups", r.groups.join(", ")],
      ["Authenticated by", r.authentication],
      ["Authentication error", r.authenticationError],
      ["Decision", r.decision],
      ["Reason", r.reason],
      ["Why", r.explanation],
      ["Latency", `${r.latencyMs} ms`],
      ["Audit-ID", r.auditID],
    ]),
    el("h4", {}, "Request headers (credentials masked)"),
    el("pre", {}, Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join("\n") || "(none)"),
  ];
  if (r.status) {
    parts.push(el("h4", {}, "Response (Status)"));
    parts.push(el("pre", {}, JSON.stringify(r.status, null, 2)));
  }
  panel.replaceChildren(...parts);
  renderRequests();
  panel.focus({ preventScroll: true });
}

// -- identities and RBAC ------------------------------------------------------------------------

async function loadIdentities() {
  const select = $("identity");
  try {
    const ids = await api("GET", "/fakekapi/v1/identities");
    const options = [];
    const seen = new Set();
    const add = (label, identity) => {
      const key = JSON.stringify(identity);
      if (seen.has(key)) return;
      seen.add(key);
      options.push(el("option", { value: key }, label));
    };
    for (const sa of ids.serviceAccounts) {
      add(`ServiceAccount ${sa.namespace}/${sa.name}`, {
        user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        groups: [],
      });
    }
    for (const u of ids.usersSeen) add(`User ${u.name} (seen)`, { user: u.name, groups: u.groups });
    for (const u of ids.users) add(`User ${u}`, { user: u, groups: [] });
    for (const g of ids.groups) add(`Group ${g}`, { user: `a-member-of:${g}`, groups: [g] });
    select.replaceChildren(...options);
    setError("rbac-error", null);
  } catch (e) {
    setError("rbac-error", e);
    state.loaded.delete("rbac");
  }
}

async function showMatrix(ev) {
  if (ev) ev.preventDefault();
  const value = $("identity").value;
  if (!value) return;
  const identity = JSON.parse(value);
  const namespace = $("matrix-namespace").value.trim();
  const questions = [];
  for (const resource of MATRIX_RESOURCES) {
    for (const verb of MATRIX_VERBS) questions.push({ verb, resource, namespace });
  }
  let result;
  try {
    result = await api("POST", "/fakekapi/v1/access", { ...identity, questions });
  } catch (e) {
    setError("rbac-error", e);
    return;
  }
  setError("rbac-error", null);
  const table = $("matrix");
  const head = el("tr", {}, el("th", { scope: "col" }, "resource"));
  for (const verb of MATRIX_VERBS) head.append(el("th", { scope: "col" }, verb));
  const rows = [el("thead", {}, head)];
  const body = el("tbody");
  let i = 0;
  for (const resource of MATRIX_RESOURCES) {
    const row = el("tr", {}, el("th", { scope: "row" }, resource));
    for (const verb of MATRIX_VERBS) {
      const answer = result.answers[i++];
      const label = `${verb} ${resource}: ${answer.allowed ? "allowed" : "denied"}`;
      const button = el(
        "button",
        {
          type: "button",
          class: answer.allowed ? "allowed" : "denied",
          "aria-label": label,
          "data-verb": verb,
          "data-resource": resource,
          title: answer.allowed ? answer.explanation : "denied: select for why not",
        },
        answer.allowed ? "✓" : "✗",
      );
      button.addEventListener("click", () => showCell(answer, label));
      row.append(el("td", {}, button));
    }
    body.append(row);
  }
  rows.push(body);
  table.replaceChildren(...rows);
}

function showCell(answer, label) {
  const panel = $("cell-detail");
  panel.replaceChildren(
    el("h3", {}, label),
    detailList([
      ["Granted by", answer.binding ? `${answer.binding} → ${answer.role}` : ""],
      ["Why", answer.explanation],
    ]),
    el("pre", {}, answer.text),
  );
  panel.focus({ preventScroll: true });
}

// -- credentials --------------------------------------------------------------------------------

async function createServiceAccount(ev) {
  ev.preventDefault();
  const f = new FormData($("sa-form"));
  const ns = f.get("namespace").trim();
  const name = f.get("name").trim();
  const scope = f.get("scope");
  const role = f.get("role").trim();
  const rbac = "rbac.authorization.k8s.io";
  const subject = { kind: "ServiceAccount", name, namespace: ns };
  try {
    await createOrKeep("/api/v1/namespaces", { metadata: { name: ns } }).catch((e) => {
      if (e.code !== 403) throw e; // may not create namespaces: it may exist already
    });
    await createOrKeep(`/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: "v1", kind: "ServiceAccount", metadata: { name },
    });
    if (scope === "cluster") {
      await createOrKeep(`/apis/${rbac}/v1/clusterrolebindings`, {
        apiVersion: `${rbac}/v1`, kind: "ClusterRoleBinding",
        metadata: { name: `fakekapi:${ns}:${name}:${role}` },
        roleRef: { apiGroup: rbac, kind: "ClusterRole", name: role }, subjects: [subject],
      });
    } else if (scope !== "none") {
      await createOrKeep(`/apis/${rbac}/v1/namespaces/${ns}/rolebindings`, {
        apiVersion: `${rbac}/v1`, kind: "RoleBinding",
        metadata: { name: `fakekapi:${name}:${role}` },
        roleRef: { apiGroup: rbac, kind: scope === "namespace-role" ? "Role" : "ClusterRole", name: role },
        subjects: [subject],
      });
    }
    const review = await api("POST", `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
      apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {},
    });
    state.created = { namespace: ns, name, token: review.status.token };
    $("cred-token").value = review.status.token;
    $("cred-token").type = "password";
    $("cred-show").setAttribute("aria-pressed", "false");
    $("cred-show").textContent = "Show";
    $("cred-summary").textContent =
      `ServiceAccount ${ns}/${name} is ready; its token expires ${review.status.expirationTimestamp}.`;
    $("cred-result").hidden = false;
    setError("cred-error", null);
  } catch (e) {
    setError("cred-error", e);
  }
}

function toggleToken() {
  const input = $("cred-token");
  const shown = input.type === "text";
  input.type = shown ? "password" : "text";
  $("cred-show").setAttribute("aria-pressed", String(!shown));
  $("cred-show").textContent = shown ? "Show" : "Hide";
}

async function copyToken() {
  try {
    await navigator.clipboard.writeText($("cred-token").value);
    $("cred-summary").textContent = "Token copied to the clipboard.";
  } catch (_) {
    $("cred-token").select();
    $("cred-summary").textContent = "Select the token and copy it (the clipboard is not available).";
  }
}

async function caPem(namespace) {
  const cm = await api("GET", `/api/v1/namespaces/${namespace}/configmaps/kube-root-ca.crt`);
  return cm.data["ca.crt"];
}

async function downloadCa() {
  try {
    download("ca.crt", await caPem(state.created.namespace), "application/x-pem-file");
  } catch (e) {
    setError("cred-error", e);
  }
}

async function downloadKubeconfig() {
  const { namespace, name, token } = state.created;
  try {
    const ca = btoa(await caPem(namespace));
    const context = `${name}@fakekapi`;
    const text = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fakekapi",
      "  cluster:",
      `    server: ${location.origin}`,
      `    certificate-authority-data: ${ca}`,
      "users:",
      `- name: ${name}`,
      "  user:",
      `    token: ${token}`,
      "contexts:",
      `- name: ${context}`,
      "  context:",
      "    cluster: fakekapi",
      `    user: ${name}`,
      `    namespace: ${namespace}`,
      `current-context: ${context}`,
      "",
    ].join("\n");
    download("kubeconfig", text, "application/yaml");
  } catch (e) {
    setError("cred-error", e);
  }
}

async function downloadPostman() {
  try {
    const files = await api("POST", "/fakekapi/v1/postman", state.created);
    download("fakekapi.postman_collection.json", JSON.stringify(files.collection, null, 2), "application/json");
    download("fakekapi.postman_environment.json", JSON.stringify(files.environment, null, 2), "application/json");
  } catch (e) {
    setError("cred-error", e);
  }
}

// -- workloads ----------------------------------------------------------------------------------

async function loadNamespaces() {
  try {
    const list = await api("GET", "/api/v1/namespaces");
    const names = list.items.map((n) => n.metadata.name);
    $("wl-namespace").replaceChildren(...names.map((n) => el("option", { value: n }, n)));
    if (names.includes("default")) $("wl-namespace").value = "default";
    await loadWorkloads();
  } catch (e) {
    setError("wl-error", e);
    state.loaded.delete("workloads");
  }
}

function fill(tableId, rows) {
  $(tableId).tBodies[0].replaceChildren(...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c)))));
}

async function loadWorkloads(ev) {
  if (ev) ev.preventDefault();
  const ns = $("wl-namespace").value;
  if (!ns) return;
  const errors = [];
  const get = async (path) => {
    try {
      return (await api("GET", path)).items;
    } catch (e) {
      errors.push(describeError(e));
      return [];
    }
  };
  const [deployments, pods, events] = await Promise.all([
    get(`/apis/apps/v1/namespaces/${ns}/deployments`),
    get(`/api/v1/namespaces/${ns}/pods`),
    get(`/api/v1/namespaces/${ns}/events`),
  ]);
  fill("wl-deployments", deployments.map((d) => [
    d.metadata.name,
    `${(d.status && d.status.readyReplicas) || 0}/${(d.spec && d.spec.replicas) ?? 1}`,
    String((d.status && d.status.updatedReplicas) || 0),
    String((d.status && d.status.availableReplicas) || 0),
  ]));
  fill("wl-pods", pods.map((p) => [
    p.metadata.name,
    (p.status && p.status.phase) || "",
    ((p.status && p.status.conditions) || []).map((c) => `${c.type}=${c.status}`).join(", "),
    (p.spec && p.spec.nodeName) || "",
  ]));
  fill("wl-events", events.slice(-50).map((e) => [
    e.type || "", e.reason || "",
    `${(e.involvedObject && e.involvedObject.kind) || ""}/${(e.involvedObject && e.involvedObject.name) || ""}`,
    e.message || "",
  ]));
  $("wl-error").textContent = errors.join("\n");
}

// -- wiring -------------------------------------------------------------------------------------

function init() {
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("login-token");
    const token = input.value.trim();
    input.value = "";
    if (token) signIn(token);
  });
  $("logout").addEventListener("click", signOut);
  for (const button of document.querySelectorAll("nav button")) {
    button.addEventListener("click", () => showView(button.dataset.view));
  }
  $("request-filters").addEventListener("input", renderRequests);
  $("identity-form").addEventListener("submit", showMatrix);
  $("sa-form").addEventListener("submit", createServiceAccount);
  $("cred-show").addEventListener("click", toggleToken);
  $("cred-copy").addEventListener("click", copyToken);
  $("dl-ca").addEventListener("click", downloadCa);
  $("dl-kubeconfig").addEventListener("click", downloadKubeconfig);
  $("dl-postman").addEventListener("click", downloadPostman);
  $("wl-form").addEventListener("submit", loadWorkloads);
  const token = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
  if (token) signIn(token);
  else showView("login");
}

init();
