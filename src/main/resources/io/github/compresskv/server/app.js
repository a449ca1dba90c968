// The page of `compresskv serve`: compress a document once (POST /v1/contexts), ask questions that fork it
// (streamed /v1/completions with context_id), and watch the server's KV bytes and speed (/metrics).
"use strict";
const $ = (id) => document.getElementById(id);
let contextId = null;
let contextDoc = null;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function mib(bytes) { return (bytes / 1048576).toFixed(2) + " MiB"; }

async function api(path, body) {
  const r = await fetch(path, { method: body ? "POST" : "GET", headers: headers(), body: body ? JSON.stringify(body) : undefined });
  if (!r.ok) {
    let msg = r.status + " " + r.statusText;
    try { msg = r.status + ": " + (await r.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}

function compression() {
  const method = $("method").value;
  if (method === "full") return { method: "full" };
  return { method, budget: parseInt($("budget").value, 10), unit: $("unit").value };
}

async function loadModel() {
  try {
    const m = (await (await api("/v1/models")).json()).data[0];
    $("model").textContent = m.id + " · context " + m.context_length + " tokens · " + mib(m.kv_bytes_per_token * 1024) + " KV per 1K tokens";
    $("method").innerHTML = "";
    for (const name of m.kv_compression_methods) {
      const o = document.createElement("option");
      o.textContent = name;
      if (name === "kvzip") o.selected = true;
      $("method").appendChild(o);
    }
  } catch (e) {
    $("model").textContent = e.message;
  }
}

async function compress() {
  const doc = $("document").value;
  if (!doc) { $("ctx-status").textContent = "paste a document first"; return; }
  $("compress").disabled = true;
  $("ctx-status").textContent = "prefilling…";
  try {
    if (contextId) { await fetch("/v1/contexts/" + contextId, { method: "DELETE", headers: headers() }); contextId = null; }
    const c = await (await api("/v1/contexts", { document: doc, kv_compression: compression() })).json();
    contextId = c.id;
    contextDoc = doc;
    $("ctx-status").textContent = c.id;
    const pct = (100 * c.kv_kept_bytes / c.kv_full_bytes).toFixed(1);
    $("ctx-info").textContent = c.tokens + " tokens · " + c.kv_compression + " · full " + mib(c.kv_full_bytes) + " → kept "
      + mib(c.kv_kept_bytes) + " (" + pct + " %) · prefill " + c.prefill_ms.toFixed(0) + " ms, compression " + c.compress_ms.toFixed(0) + " ms";
    $("bar-full").style.width = "100%";
    $("bar-kept").style.width = Math.max(0.5, pct) + "%";
  } catch (e) {
    $("ctx-status").innerHTML = "";
    $("ctx-status").appendChild(Object.assign(document.createElement("span"), { className: "error", textContent: e.message }));
  } finally {
    $("compress").disabled = false;
  }
}

async function ask() {
  const q = $("question").value;
  const body = { max_tokens: parseInt($("max-tokens").value, 10), temperature: 0, stream: true, stream_options: { include_usage: true } };
  if ($("stop-nl").checked) body.stop = ["\n"];
  if (contextId && contextDoc === $("document").value) {
    body.context_id = contextId;
    body.prompt = "\n " + q + "\nAnswer:";
  } else {
    body.prompt = $("document").value + "\n " + q + "\nAnswer:";
    body.kv_compression = compression();
  }
  $("ask").disabled = true;
  $("answer").textContent = "";
  $("answer-stats").textContent = "…";
  const t0 = performance.now();
  let first = null;
  try {
    const r = await api("/v1/completions", body);
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
        const d = JSON.parse(event.slice(6));
        if (d.error) throw new Error(d.error.message);
        if (d.choices && d.choices.length && d.choices[0].text) {
          if (first === null) first = performance.now() - t0;
          $("answer").textContent += d.choices[0].text;
        }
        if (d.usage) {
          const u = d.usage, t = d.timings;
          $("answer-stats").textContent = "time to first token " + (first === null ? "–" : first.toFixed(0) + " ms") + " · "
            + u.prompt_tokens + " prompt tokens (" + u.prompt_tokens_details.cached_tokens + " from the compressed context) · "
            + u.completion_tokens + " tokens at " + t.decode_tokens_per_second.toFixed(1) + " tok/s · KV full " + mib(u.kv_full_bytes)
            + ", kept " + mib(u.kv_kept_bytes) + " (" + u.kv_compression + ")";
        }
      }
    }
  } catch (e) {
    $("answer-stats").innerHTML = "";
    $("answer-stats").appendChild(Object.assign(document.createElement("span"), { className: "error", textContent: e.message }));
  } finally {
    $("ask").disabled = false;
  }
}

async function live() {
  try {
    const text = await (await api("/metrics")).text();
    const m = {};
    for (const line of text.split("\n")) {
      if (!line || line.startsWith("#") || line.includes("{")) continue;
      const [k, v] = line.split(" ");
      m[k] = parseFloat(v);
    }
    $("live-kv").textContent = mib(m.compresskv_kv_live_bytes);
    $("live-limit").textContent = mib(m.compresskv_kv_limit_bytes);
    $("live-prefill").textContent = m.compresskv_prefill_tokens_per_second.toFixed(0);
    $("live-decode").textContent = m.compresskv_decode_tokens_per_second.toFixed(1);
    $("live-queue").textContent = m.compresskv_active_requests + " / " + m.compresskv_queue_depth;
    $("live-contexts").textContent = m.compresskv_contexts + " / " + m.compresskv_prefix_cache_entries;
  } catch (e) { /* shown again at the next poll */ }
}

$("file").addEventListener("change", async (e) => {
  const f = e.target.files[0];
  if (f) $("document").value = await f.text();
});
$("compress").addEventListener("click", compress);
$("ask").addEventListener("click", ask);
$("key").addEventListener("change", () => { loadModel(); live(); });
loadModel();
live();
setInterval(live, 1000);
