"""A deliberately naive, scalar re-statement of the agents (one hypothesis at a time), used to
check the vectorised, cached implementation by brute-force enumeration."""

import math

from nestlab.nested.domains.construction import BIG


def _ground(s):
    return [b for b in range(len(s.block_pos)) if b not in s.holding]


def _near(dom, s, q, y):
    occupied = {s.block_pos[b] for b in _ground(s)}
    best = BIG
    for c in (s.block_pos[y] - dom.W, s.block_pos[y] + dom.W, s.block_pos[y] - 1, s.block_pos[y] + 1):
        if not dom.wall[c] and c not in occupied:
            best = min(best, dom.dist[q, c])
    return best


def builder(dom, s, agent, g):
    i, j = dom.goals[g]
    p, h, bp, gr = s.agent_pos[agent], s.holding[agent], s.block_pos, _ground(s)
    if i in gr and j in gr and dom.adjacent(bp[i], bp[j]):
        return 0.0
    if h == i:
        return min(_near(dom, s, p, j) + 1, BIG)
    if h == j:
        return min(_near(dom, s, p, i) + 1, BIG)
    fi = dom.dist[p, bp[i]] + _near(dom, s, bp[i], j) + 1 if i in gr else BIG
    fj = dom.dist[p, bp[j]] + _near(dom, s, bp[j], i) + 1 if j in gr else BIG
    e = min(fi, fj)
    return min(e if h < 0 else e + 1, BIG)


def hinderer(dom, s, agent, g, radius):
    i, j = dom.goals[g]
    p, h, bp, gr = s.agent_pos[agent], s.holding[agent], s.block_pos, _ground(s)
    if h == i:
        return max(0.0, radius - dom.dist[p, bp[j]])
    if h == j:
        return max(0.0, radius - dom.dist[p, bp[i]])
    short = max(0.0, radius - dom.dist[bp[i], bp[j]])
    gi = dom.dist[p, bp[i]] + short if i in gr else BIG
    gj = dom.dist[p, bp[j]] + short if j in gr else BIG
    e = min(gi, gj) + 1
    return min(e if h < 0 else e + 1, BIG)


def policy(qs, beta, eps):
    m = max(qs)
    ex = [math.exp(beta * (q - m)) for q in qs]
    z = sum(ex)
    return [(1 - eps) * e / z + eps / len(qs) for e in ex]


def alice_prob(dom, s, g, a, prm):
    qs = [-(1 + builder(dom, dom.move_agent(s, 0, b), 0, g)) for b in range(6)]
    return policy(qs, prm.beta0, prm.epsilon)[a]


def bob_prob(dom, s, belief, sigma, a, prm):
    qs = []
    for b in range(6):
        s2 = dom.move_agent(s, 1, b)
        c = 0.0
        for g, w in enumerate(belief):
            c += w * (builder(dom, s2, 1, g) if sigma == 0 else hinderer(dom, s2, 1, g, prm.hinder_radius))
        qs.append(-(1 + c))
    return policy(qs, prm.beta1, prm.epsilon)[a]


def brute_force(dom, ep, prm):
    """Level-1 and level-2 posteriors after every step, by enumeration one hypothesis at a time.

    Level 2 enumerates the full triple (social goal, Bob's cue, Alice's goal) with explicit
    products of per-step probabilities and sums Alice's goal out at the end; Bob's belief for each
    cue is re-derived by a scalar Bayes filter. Returns (post1, post2, bob_beliefs_by_cue).
    """
    n = len(dom.goals)
    rho = prm.cue_accuracy

    def p_goal_given_cue(g, c):
        return rho if g == c else (1 - rho) / (n - 1)

    post1, post2 = [], []
    lik1 = [1.0] * n
    lik3 = {(sg, c, g): p_goal_given_cue(g, c) for sg in (0, 1) for c in range(n) for g in range(n)}
    beliefs = [[p_goal_given_cue(g, c) for g in range(n)] for c in range(n)]
    for t in range(ep.n_steps):
        s, (aa, ab) = ep.states[t], ep.actions[t]
        pa = [alice_prob(dom, s, g, aa, prm) for g in range(n)]
        pb = {(sg, c): bob_prob(dom, s, beliefs[c], sg, ab, prm) for sg in (0, 1) for c in range(n)}
        for (sg, c, g) in lik3:
            lik3[(sg, c, g)] *= pa[g] * pb[(sg, c)]
        lik1 = [lik1[g] * pa[g] for g in range(n)]
        for c in range(n):
            unnorm = [beliefs[c][g] * pa[g] for g in range(n)]
            beliefs[c] = [v / sum(unnorm) for v in unnorm]
        post1.append([v / sum(lik1) for v in lik1])
        marg = [sum(lik3[(sg, c, g)] for g in range(n)) for sg in (0, 1) for c in range(n)]
        post2.append([v / sum(marg) for v in marg])
    return post1, post2, beliefs


def features(dom, s, actions, nxt):
    """Step features built piece by piece (the layout Construction.features vectorises)."""
    import numpy as np

    n = dom.n_blocks
    scale = 1.0 / max(dom.W, dom.H)
    out = []
    for st in (s, nxt):
        for p in st.agent_pos:
            out += [dom.rows[p] * scale, dom.cols[p] * scale]
    for h in nxt.holding:
        out += [1.0 if h + 1 == i else 0.0 for i in range(n + 1)]
    out += [dom.rows[c] * scale for c in nxt.block_pos] + [dom.cols[c] * scale for c in nxt.block_pos]
    out += [1.0 if b in nxt.holding else 0.0 for b in range(n)]
    dscale = 1.0 / dom.diameter
    for a in range(2):
        after = [dom.dist[nxt.agent_pos[a], c] for c in nxt.block_pos]
        before = [dom.dist[s.agent_pos[a], c] for c in s.block_pos]
        out += [d * dscale for d in after] + [b - d for b, d in zip(before, after, strict=True)]
    out += [dom.dist[nxt.block_pos[i], nxt.block_pos[j]] * dscale for i, j in dom.goals]
    out += [1.0 if int(actions[0]) == i else 0.0 for i in range(6)]
    out += [1.0 if int(actions[1]) == i else 0.0 for i in range(6)]
    return np.array(out, dtype=np.float32)
