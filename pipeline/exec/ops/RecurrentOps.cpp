// Recurrent layers with ONNX conventions: LSTM, GRU and RNN, unrolled step by step in ATen so autograd works.
#include "pipeline/exec/OpRegistry.h"
#include "pipeline/exec/ops/OpFamilies.h"

#include <cctype>

namespace autoglm::exec {
namespace {

using Tensors = std::vector<at::Tensor>;

struct Activation {
    std::string name; // lower case
    double alpha = 0;
    double beta = 0;
};

at::Tensor activate(const Activation& a, const at::Tensor& x) {
    const std::string& n = a.name;
    if (n == "sigmoid")
        return at::sigmoid(x);
    if (n == "tanh")
        return at::tanh(x);
    if (n == "relu")
        return at::relu(x);
    if (n == "affine")
        return x * a.alpha + a.beta;
    if (n == "leakyrelu")
        return at::leaky_relu(x, a.alpha);
    if (n == "thresholdedrelu")
        return at::where(x > a.alpha, x, at::zeros_like(x));
    if (n == "scaledtanh")
        return at::tanh(x * a.beta) * a.alpha;
    if (n == "hardsigmoid")
        return at::clamp(x * a.alpha + a.beta, 0, 1);
    if (n == "elu")
        return at::elu(x, a.alpha);
    if (n == "softsign")
        return x / (at::abs(x) + 1);
    return at::softplus(x); // validated when parsed
}

// The activations attribute lists each direction's functions in turn; alpha and beta values are consumed in that
// order, only by the functions that take them, others keeping their defaults.
std::vector<std::vector<Activation>> activations(const OpContext& c, const std::vector<std::string>& defaults,
                                                 int64_t directions) {
    const size_t per = defaults.size();
    std::vector<std::string> names;
    if (const Attribute* a = c.node().attribute("activations"))
        names = a->strings;
    if (names.empty())
        for (int64_t d = 0; d < directions; ++d)
            names.insert(names.end(), defaults.begin(), defaults.end());
    if (names.size() == per && directions == 2) {
        const std::vector<std::string> once = names;
        names.insert(names.end(), once.begin(), once.end());
    }
    if (names.size() != per * static_cast<size_t>(directions))
        c.fail("activations must list " + std::to_string(per * static_cast<size_t>(directions)) + " functions");
    const std::vector<float> alphas = c.attrFloats("activation_alpha");
    const std::vector<float> betas = c.attrFloats("activation_beta");
    size_t nextAlpha = 0, nextBeta = 0;
    auto take = [](const std::vector<float>& v, size_t& next, double fallback) {
        return next < v.size() ? static_cast<double>(v[next++]) : fallback;
    };
    std::vector<std::vector<Activation>> out(static_cast<size_t>(directions));
    for (size_t i = 0; i < names.size(); ++i) {
        Activation a;
        for (char ch : names[i])
            a.name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
        if (a.name == "affine" || a.name == "scaledtanh") {
            a.alpha = take(alphas, nextAlpha, 1.0);
            a.beta = take(betas, nextBeta, a.name == "affine" ? 0.0 : 1.0);
        } else if (a.name == "hardsigmoid") {
            a.alpha = take(alphas, nextAlpha, 0.2);
            a.beta = take(betas, nextBeta, 0.5);
        } else if (a.name == "leakyrelu") {
            a.alpha = take(alphas, nextAlpha, 0.01);
        } else if (a.name == "thresholdedrelu" || a.name == "elu") {
            a.alpha = take(alphas, nextAlpha, 1.0);
        } else if (a.name != "sigmoid" && a.name != "tanh" && a.name != "relu" && a.name != "softsign" &&
                   a.name != "softplus") {
            c.unsupported("activation '" + names[i] + "'");
        }
        out[i / per].push_back(a);
    }
    return out;
}

// What every recurrent op shares: inputs in [seq, batch, ...] layout, directions, and the sequence-length masks.
struct Recurrence {
    at::Tensor x;                  // [seq, batch, input]
    std::vector<at::Tensor> masks; // per step, [batch, 1] bool; empty when every sequence is full length
    int64_t seq = 0, batch = 0, hidden = 0, directions = 1;
    bool reverseOnly = false;
    bool batchFirst = false;
    float clip = 0; // 0: no clipping
};

Recurrence setUp(const OpContext& c, int64_t gates) {
    Recurrence r;
    r.batchFirst = c.attrInt("layout", 0) != 0;
    r.x = r.batchFirst ? c.input(0).transpose(0, 1) : c.input(0);
    if (r.x.dim() != 3)
        c.fail("X must be 3-D");
    r.seq = r.x.size(0);
    r.batch = r.x.size(1);
    const at::Tensor& w = c.input(1);
    const at::Tensor& rw = c.input(2);
    r.directions = w.size(0);
    r.hidden = rw.size(2);
    const std::string direction = c.attrString("direction", "forward");
    if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
        c.fail("unknown direction '" + direction + "'");
    if (r.directions != (direction == "bidirectional" ? 2 : 1))
        c.fail("W has " + std::to_string(r.directions) + " directions for direction=" + direction);
    r.reverseOnly = direction == "reverse";
    if (c.hasAttr("hidden_size") && c.attrInt("hidden_size") != r.hidden)
        c.fail("hidden_size does not match R");
    if (w.dim() != 3 || w.size(1) != gates * r.hidden || w.size(2) != r.x.size(2))
        c.fail("W has the wrong shape");
    if (rw.dim() != 3 || rw.size(0) != r.directions || rw.size(1) != gates * r.hidden)
        c.fail("R has the wrong shape");
    if (c.hasAttr("clip"))
        r.clip = c.attrFloat("clip", 0.0f);
    if (c.hasInput(4)) {
        const at::Tensor lens = c.input(4).to(at::kCPU, at::kLong);
        if (lens.numel() != r.batch)
            c.fail("sequence_lens must have one entry per batch item");
        if (lens.lt(r.seq).any().item<bool>())
            for (int64_t t = 0; t < r.seq; ++t)
                r.masks.push_back(lens.gt(t).reshape({r.batch, 1}).to(r.x.device()));
    }
    return r;
}

// initial_h / initial_c for one direction, zeros when absent.
at::Tensor initialState(const OpContext& c, size_t index, const Recurrence& r, int64_t d) {
    if (!c.hasInput(index))
        return at::zeros({r.batch, r.hidden}, r.x.options());
    const at::Tensor& s = c.input(index);
    return r.batchFirst ? s.select(1, d) : s.select(0, d);
}

at::Tensor clipped(const Recurrence& r, const at::Tensor& t) {
    return r.clip > 0 ? at::clamp(t, -r.clip, r.clip) : t;
}

// Past a sequence's end the state holds and Y is zero.
void advance(const Recurrence& r, int64_t t, const at::Tensor& next, at::Tensor& state) {
    state = r.masks.empty() ? next : at::where(r.masks[static_cast<size_t>(t)], next, state);
}

at::Tensor stepOutput(const Recurrence& r, int64_t t, const at::Tensor& h) {
    return r.masks.empty() ? h : at::where(r.masks[static_cast<size_t>(t)], h, at::zeros_like(h));
}

// Assembles Y, Y_h (and Y_c) from per-direction results in the requested layout.
Tensors finish(const OpContext& c, const Recurrence& r, const std::vector<at::Tensor>& ys,
               const std::vector<std::vector<at::Tensor>>& finals) {
    Tensors out;
    if (c.wantsOutput(0)) {
        const at::Tensor y = at::stack(ys, 1); // [seq, dirs, batch, hidden]
        out.push_back(r.batchFirst ? y.permute({2, 0, 1, 3}) : y);
    } else {
        out.emplace_back();
    }
    for (size_t k = 0; k < finals.size(); ++k) {
        if (!c.wantsOutput(k + 1)) {
            out.emplace_back();
            continue;
        }
        const at::Tensor s = at::stack(finals[k], 0); // [dirs, batch, hidden]
        out.push_back(r.batchFirst ? s.transpose(0, 1) : s);
    }
    while (out.size() > c.outputCount())
        out.pop_back();
    return out;
}

// Runs `step(t, hiddenIn) -> hidden` over time in the direction's order, collecting Y.
template <typename Step> at::Tensor unroll(const Recurrence& r, bool reverse, Step step) {
    std::vector<at::Tensor> ys(static_cast<size_t>(r.seq));
    for (int64_t i = 0; i < r.seq; ++i) {
        const int64_t t = reverse ? r.seq - 1 - i : i;
        ys[static_cast<size_t>(t)] = step(t);
    }
    return r.seq > 0 ? at::stack(ys, 0) : at::zeros({0, r.batch, r.hidden}, r.x.options());
}

// X W^T plus the biases that can be folded in (all of B unless some must stay inside a gate).
at::Tensor inputProjection(const OpContext& c, const Recurrence& r, int64_t d, int64_t gates, bool foldRecurrentBias) {
    at::Tensor xw = at::matmul(r.x, c.input(1)[d].t());
    if (c.hasInput(3)) {
        const at::Tensor b = c.input(3)[d];
        xw = xw + b.narrow(0, 0, gates * r.hidden);
        if (foldRecurrentBias)
            xw = xw + b.narrow(0, gates * r.hidden, gates * r.hidden);
    }
    return xw;
}

Tensors lstm(const OpContext& c) {
    const Recurrence r = setUp(c, 4);
    const auto acts = activations(c, {"Sigmoid", "Tanh", "Tanh"}, r.directions);
    const bool inputForget = c.attrInt("input_forget", 0) != 0;
    std::vector<at::Tensor> ys, hs, cs;
    for (int64_t d = 0; d < r.directions; ++d) {
        const Activation& f = acts[d][0];
        const Activation& g = acts[d][1];
        const Activation& h = acts[d][2];
        const at::Tensor xw = inputProjection(c, r, d, 4, true);
        const at::Tensor rt = c.input(2)[d].t();
        at::Tensor pi, po, pf;
        if (c.hasInput(7)) {
            const auto p = c.input(7)[d].chunk(3); // i, o, f
            pi = p[0], po = p[1], pf = p[2];
        }
        at::Tensor hState = initialState(c, 5, r, d);
        at::Tensor cState = initialState(c, 6, r, d);
        ys.push_back(unroll(r, r.reverseOnly || d == 1, [&](int64_t t) {
            const auto gates = (xw[t] + at::matmul(hState, rt)).chunk(4, -1); // i, o, f, c
            at::Tensor i = gates[0], o = gates[1], fg = gates[2];
            if (pi.defined()) {
                i = i + pi * cState;
                fg = fg + pf * cState;
            }
            i = activate(f, clipped(r, i));
            fg = inputForget ? 1 - i : activate(f, clipped(r, fg));
            const at::Tensor cNew = fg * cState + i * activate(g, clipped(r, gates[3]));
            if (po.defined())
                o = o + po * cNew;
            const at::Tensor hNew = activate(f, clipped(r, o)) * activate(h, cNew);
            advance(r, t, hNew, hState);
            advance(r, t, cNew, cState);
            return stepOutput(r, t, hNew);
        }));
        hs.push_back(hState);
        cs.push_back(cState);
    }
    return finish(c, r, ys, {hs, cs});
}

Tensors gru(const OpContext& c) {
    const Recurrence r = setUp(c, 3);
    const auto acts = activations(c, {"Sigmoid", "Tanh"}, r.directions);
    const bool linearBeforeReset = c.attrInt("linear_before_reset", 0) != 0;
    const int64_t hid = r.hidden;
    std::vector<at::Tensor> ys, hs;
    for (int64_t d = 0; d < r.directions; ++d) {
        const Activation& f = acts[d][0];
        const Activation& g = acts[d][1];
        // The hidden gate's recurrent bias sits inside the reset product when linear_before_reset is set, and
        // after it otherwise; either way it cannot join the input projection.
        const at::Tensor xw = inputProjection(c, r, d, 3, false);
        const at::Tensor rb = c.hasInput(3) ? c.input(3)[d].narrow(0, 3 * hid, 3 * hid) : at::Tensor();
        const at::Tensor rw = c.input(2)[d];
        const at::Tensor rzrT = rw.narrow(0, 0, 2 * hid).t();
        const at::Tensor rhT = rw.narrow(0, 2 * hid, hid).t();
        const at::Tensor rbzr = rb.defined() ? rb.narrow(0, 0, 2 * hid) : at::Tensor();
        const at::Tensor rbh = rb.defined() ? rb.narrow(0, 2 * hid, hid) : at::Tensor();
        at::Tensor hState = initialState(c, 5, r, d);
        ys.push_back(unroll(r, r.reverseOnly || d == 1, [&](int64_t t) {
            const at::Tensor xt = xw[t];
            at::Tensor zr = xt.narrow(-1, 0, 2 * hid) + at::matmul(hState, rzrT);
            if (rbzr.defined())
                zr = zr + rbzr;
            zr = activate(f, clipped(r, zr));
            const at::Tensor z = zr.narrow(-1, 0, hid);
            const at::Tensor reset = zr.narrow(-1, hid, hid);
            at::Tensor recurrent;
            if (linearBeforeReset) {
                recurrent = at::matmul(hState, rhT);
                if (rbh.defined())
                    recurrent = recurrent + rbh;
                recurrent = reset * recurrent;
            } else {
                recurrent = at::matmul(reset * hState, rhT);
                if (rbh.defined())
                    recurrent = recurrent + rbh;
            }
            const at::Tensor candidate = activate(g, clipped(r, xt.narrow(-1, 2 * hid, hid) + recurrent));
            const at::Tensor hNew = (1 - z) * candidate + z * hState;
            advance(r, t, hNew, hState);
            return stepOutput(r, t, hNew);
        }));
        hs.push_back(hState);
    }
    return finish(c, r, ys, {hs});
}

Tensors rnn(const OpContext& c) {
    const Recurrence r = setUp(c, 1);
    const auto acts = activations(c, {"Tanh"}, r.directions);
    std::vector<at::Tensor> ys, hs;
    for (int64_t d = 0; d < r.directions; ++d) {
        const Activation& f = acts[d][0];
        const at::Tensor xw = inputProjection(c, r, d, 1, true);
        const at::Tensor rt = c.input(2)[d].t();
        at::Tensor hState = initialState(c, 5, r, d);
        ys.push_back(unroll(r, r.reverseOnly || d == 1, [&](int64_t t) {
            const at::Tensor hNew = activate(f, clipped(r, xw[t] + at::matmul(hState, rt)));
            advance(r, t, hNew, hState);
            return stepOutput(r, t, hNew);
        }));
        hs.push_back(hState);
    }
    return finish(c, r, ys, {hs});
}

} // namespace

void registerRecurrentOps(OpRegistry& r) {
    r.add("LSTM", lstm);
    r.add("GRU", gru);
    r.add("RNN", rnn);
}

} // namespace autoglm::exec
