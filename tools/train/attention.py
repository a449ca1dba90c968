"""Attention variants for version 3's training and its spread measurement (transformers AttentionInterface).

ckv_train  ("retrieval dropout", train.py --local-layer-prob): full causal SDPA everywhere, except that in the chosen
           layer or set of layers (STATE["layer"]) the query positions marked in STATE["qmask"] (those that predict answer tokens) see
           only the first `sinks` tokens and the last `window` tokens (themselves included). The model is thus trained
           to answer even when any one layer cannot reach the far context, i.e. not to let one layer decide retrieval.
           With STATE["mode"] == "snapkv", the chosen layer instead keeps what SnapKV (B = budget, as ckv_select below)
           would keep for each answer: the decode positions of an answer (after the position of "Answer:") see only the
           top (B - w) prompt tokens by the window attention of the w positions ending at "Answer:", and the tokens from
           that window on. This is the spread measurement's restriction, made differentiable for training.
ckv_select (evaluate.py's spread measurement): SnapKV at token level in the layers of SELECT["layers"], as the Java
           engine does it (WindowAttentionScorer + PerHeadTopKSelector): after the prefill, each KV head keeps the top
           (B - w) prompt tokens by window attention (the last w queries' attention summed, average-pooled with kernel
           5, averaged over the group's query heads) plus the last w tokens; decoding then sees only those and the
           generated tokens. Other layers keep the full cache.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

STATE = {"layer": None, "qmask": None, "window": 64, "sinks": 4, "mode": "window", "budget": 64, "snap_window": 8,
         "kernel": 5}
SELECT = {"layers": set(), "budget": 64, "window": 8, "kernel": 5, "keep": {}}


def _sdpa(*args, **kwargs):
    import transformers.integrations.sdpa_attention as sa
    return sa.sdpa_attention_forward(*args, **kwargs)


def local_attention(q, k, v, scaling: float, window: int, sinks: int) -> torch.Tensor:
    """Causal attention of every query to the first `sinks` keys and the last `window` keys (itself included), in
    blocks of `window` queries: O(T * (sinks + 2 window)) memory. q [B,H,T,D], k/v [B,KV,T,D] → [B,H,T,D]."""
    B, H, T, D = q.shape
    rep = H // k.shape[1]
    if rep > 1:
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
    W, S = window, min(sinks, T)
    n = -(-T // W)
    pad = n * W - T
    qb = F.pad(q, (0, 0, 0, pad)).view(B, H, n, W, D)
    kp, vp = F.pad(k, (0, 0, W, pad)), F.pad(v, (0, 0, W, pad))  # block i of kp holds keys [(i-1)W, iW)
    kb = torch.cat([kp[:, :, :-W].reshape(B, H, n, W, D), kp[:, :, W:].reshape(B, H, n, W, D)], 3)
    vb = torch.cat([vp[:, :, :-W].reshape(B, H, n, W, D), vp[:, :, W:].reshape(B, H, n, W, D)], 3)
    keys = torch.cat([k[:, :, None, :S].expand(B, H, n, S, D), kb], 3)
    vals = torch.cat([v[:, :, None, :S].expand(B, H, n, S, D), vb], 3)
    dev = q.device
    qpos = torch.arange(n * W, device=dev).view(n, W, 1)
    kwin = (torch.arange(n, device=dev)[:, None] * W - W + torch.arange(2 * W, device=dev)[None, :])[:, None, :]
    ksink = torch.arange(S, device=dev).view(1, 1, S)
    allowed = torch.cat([(ksink <= qpos - W).expand(n, W, S), (kwin <= qpos) & (kwin > qpos - W) & (kwin >= 0)], -1)
    scores = torch.einsum("bhnqd,bhnkd->bhnqk", qb, keys).float() * scaling
    p = scores.masked_fill(~allowed, float("-inf")).softmax(-1).to(vals.dtype)
    out = torch.einsum("bhnqk,bhnkd->bhnqd", p, vals)
    return out.reshape(B, H, n * W, D)[:, :, :T]


def snap_restricted(q, k, v, qmask, scaling: float, budget: int, window: int, kernel: int):
    """SnapKV-restricted attention at the decode positions of each answer span (see the module doc).
    q [B,H,T,D], k/v [B,KV,T,D], qmask [B,T] (positions predicting answer tokens). Returns (tpos [B,n], valid [B,n],
    out [B,H,n,D]) for the n decode positions of each row (padded), or None when there are none."""
    B, H, T, D = q.shape
    KV = k.shape[1]
    rep = H // KV
    dev = q.device
    prev = F.pad(qmask[:, :-1], (1, 0))
    start = qmask & ~prev
    dec = qmask & prev
    n_b = dec.sum(1)
    if int(n_b.max()) == 0:
        return None
    starts = start.nonzero()
    S = starts.shape[0]
    per_row = start.sum(1)
    offs = per_row.cumsum(0) - per_row
    span_in_row = start.long().cumsum(1) - 1
    bs, t0 = starts[:, 0], starts[:, 1]
    # window attention of the w positions ending at each span's start, over all keys
    wpos = (t0[:, None] - window + 1 + torch.arange(window, device=dev)).clamp_min(0)        # [S,w]
    qw = q[bs[:, None], :, wpos].permute(0, 2, 1, 3)                                          # [S,H,w,D]
    kk = k[bs]                                                                                # [S,KV,T,D]
    sc = (qw.reshape(S, KV, rep * window, D).float() @ kk.float().transpose(-1, -2)) * scaling  # [S,KV,rep*w,T]
    j = torch.arange(T, device=dev)
    qp = wpos[:, None, None, :].expand(S, 1, rep, window).reshape(S, 1, rep * window, 1)
    col = sc.masked_fill(j > qp, float("-inf")).softmax(-1).view(S, KV, rep, window, T).sum(3)  # [S,KV,rep,T]
    cand = j[None, :] < (t0 - window + 1)[:, None]                                            # [S,T]
    colc = (col * cand[:, None, None, :]).reshape(S * KV * rep, 1, T)
    if kernel > 1:
        num = F.avg_pool1d(colc, kernel, 1, kernel // 2, count_include_pad=True)
        den = F.avg_pool1d(cand[:, None, :].float().repeat_interleave(KV * rep, 0), kernel, 1, kernel // 2,
                           count_include_pad=True)
        colc = num / den.clamp_min(1e-9)
    per_kv = colc.view(S, KV, rep, T).mean(2).masked_fill(~cand[:, None, :], float("-inf"))   # [S,KV,T]
    keep = torch.zeros(S, KV, T, dtype=torch.bool, device=dev)
    kt = min(max(0, budget - window), T)
    if kt > 0:
        keep.scatter_(2, per_kv.topk(kt, dim=-1).indices, True)
    keep &= cand[:, None, :]
    keep |= (j[None, :] >= (t0 - window + 1)[:, None])[:, None, :]
    # the decode positions, padded per row
    n_max = int(n_b.max())
    order = torch.where(dec, j[None, :], T + j[None, :]).argsort(1)[:, :n_max]               # [B,n]
    valid = torch.arange(n_max, device=dev)[None, :] < n_b[:, None]
    sid = (offs[:, None] + span_in_row.gather(1, order)).clamp(0, S - 1)
    qa = q.gather(2, order[:, None, :, None].expand(B, H, n_max, D))                         # [B,H,n,D]
    s2 = (qa.view(B, KV, rep, n_max, D) @ k[:, :, None].transpose(-1, -2)).float() * scaling # [B,KV,rep,n,T]
    allowed = keep[sid].permute(0, 2, 1, 3)[:, :, None] & (j[None, None, None, None, :] <= order[:, None, None, :, None])
    allowed = allowed | ~valid[:, None, None, :, None]  # padding rows (unused): no all-masked softmax (NaN gradients)
    p = s2.masked_fill(~allowed, float("-inf")).softmax(-1).to(v.dtype)
    out = (p @ v[:, :, None]).reshape(B, H, n_max, D)
    return order, valid, out


def train_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    out, w = _sdpa(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    chosen = STATE["layer"]
    chosen = chosen if isinstance(chosen, (set, frozenset)) or chosen is None else {chosen}
    if chosen is None or module.layer_idx not in chosen or STATE["qmask"] is None or query.shape[2] == 1:
        return out, w
    qm = STATE["qmask"]
    if tuple(qm.shape) != (query.shape[0], query.shape[2]):
        raise ValueError(f"qmask {tuple(qm.shape)} does not match the queries {tuple(query.shape)}")
    scaling = scaling if scaling is not None else query.shape[-1] ** -0.5
    if STATE["mode"] == "snapkv":
        r = snap_restricted(query, key, value, qm, scaling, STATE["budget"], STATE["snap_window"], STATE["kernel"])
        if r is None:
            return out, w
        tpos, valid, sub = r
        bi = torch.arange(out.shape[0], device=out.device)[:, None].expand_as(tpos)[valid]
        return out.index_put((bi, tpos[valid]), sub.permute(0, 2, 1, 3)[valid].to(out.dtype)), w
    loc = local_attention(query, key, value, scaling, STATE["window"], STATE["sinks"]).transpose(1, 2)
    return torch.where(qm[:, :, None, None], loc.to(out.dtype), out), w


def select_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    li = module.layer_idx
    if li not in SELECT["layers"]:
        return _sdpa(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    scaling = scaling if scaling is not None else query.shape[-1] ** -0.5
    H, KV, T = query.shape[1], key.shape[1], key.shape[2]
    rep = H // KV
    if query.shape[2] > 1:  # prefill (batch 1): full attention, then choose what this layer keeps
        out = _sdpa(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
        w, B = SELECT["window"], SELECT["budget"]
        if T <= B:
            SELECT["keep"][li] = torch.ones(KV, T, dtype=torch.bool, device=query.device)
            return out
        kk = key.repeat_interleave(rep, 1)[0].float()                        # [H,T,D]
        qw = query[0, :, -w:].float()                                       # [H,w,D]
        sc = (qw @ kk.transpose(-1, -2)) * scaling                          # [H,w,T]
        qpos = torch.arange(T - w, T, device=query.device)[:, None]
        sc = sc.masked_fill(torch.arange(T, device=query.device)[None, :] > qpos, float("-inf"))
        col = sc.softmax(-1).sum(1)[:, :T - w]                              # [H, n candidates]
        kern = SELECT["kernel"]
        pooled = F.avg_pool1d(col[:, None], kern, 1, kern // 2, count_include_pad=False)[:, 0] if kern > 1 else col
        per_kv = pooled.view(KV, rep, -1).mean(1)                           # [KV, n]
        keep = torch.zeros(KV, T, dtype=torch.bool, device=query.device)
        keep[:, T - w:] = True
        top = per_kv.topk(max(0, B - w), dim=-1).indices
        keep.scatter_(1, top, True)
        SELECT["keep"][li] = keep
        return out
    keep = SELECT["keep"][li]
    allowed = torch.cat([keep, torch.ones(KV, T - keep.shape[1], dtype=torch.bool, device=keep.device)], 1)
    allowed = allowed.repeat_interleave(rep, 0)[None, :, None, :]
    out = F.scaled_dot_product_attention(query, key.repeat_interleave(rep, 1), value.repeat_interleave(rep, 1),
                                         attn_mask=allowed, scale=scaling)
    return out.transpose(1, 2).contiguous(), None


def register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask
    for name, fn in (("ckv_train", train_attention), ("ckv_select", select_attention)):
        AttentionInterface.register(name, fn)
        ALL_MASK_ATTENTION_FUNCTIONS.register(name, sdpa_mask)
