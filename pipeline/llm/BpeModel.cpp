// BPE merging of one pre-tokenized word, in the order of tokenizers' Word::merge_all: always the pair of lowest
// merge rank next, the leftmost on ties.
#include "pipeline/llm/TokenizerSteps.h"

#include <queue>

namespace autoglm::tok {

namespace {

struct Symbol {
    int32_t id;
    int32_t prev, next; // -1 at the ends
    bool alive = true;
};

struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t newId;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

uint64_t pairKey(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

} // namespace

void BpeModel::encodeWord(const std::string& word, std::vector<int32_t>& out) const {
    if (ignoreMerges) {
        if (auto it = vocab.find(word); it != vocab.end()) {
            out.push_back(it->second);
            return;
        }
    }
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    const auto push = [&](int32_t id) {
        const auto n = static_cast<int32_t>(symbols.size());
        symbols.push_back({id, n - 1, -1});
    };
    bool previousUnk = false;
    std::string ch;
    for (size_t i = 0; i < word.size();) {
        char32_t cp;
        const size_t len = utf8Next(word, i, cp);
        ch.assign(word, i, len);
        i += len;
        if (auto it = vocab.find(ch); it != vocab.end()) {
            push(it->second);
            previousUnk = false;
            continue;
        }
        if (byteFallback) {
            bool all = true;
            for (unsigned char b : ch)
                all = all && byteFallbackIds[b] >= 0;
            if (all) {
                for (unsigned char b : ch)
                    push(byteFallbackIds[b]);
                previousUnk = false;
                continue;
            }
        }
        // Without an unk token tokenizers drops the character; with fuse_unk a run of them is one unk.
        if (unkId >= 0 && !(fuseUnk && previousUnk))
            push(unkId);
        previousUnk = unkId >= 0;
    }
    for (size_t k = 0; k + 1 < symbols.size(); ++k)
        symbols[k].next = static_cast<int32_t>(k + 1);

    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    const auto consider = [&](int32_t pos) {
        const int32_t next = symbols[pos].next;
        if (next < 0)
            return;
        if (auto it = merges.find(pairKey(symbols[pos].id, symbols[next].id)); it != merges.end())
            queue.push({it->second.first, pos, it->second.second});
    };
    for (size_t k = 0; k + 1 < symbols.size(); ++k)
        consider(static_cast<int32_t>(k));

    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = symbols[top.pos];
        if (!left.alive || left.next < 0)
            continue;
        // The pair may have changed since it was queued; only merge what the rule still describes.
        const auto it = merges.find(pairKey(left.id, symbols[left.next].id));
        if (it == merges.end() || it->second.second != top.newId)
            continue;
        Symbol& right = symbols[left.next];
        right.alive = false;
        left.id = top.newId;
        left.next = right.next;
        if (right.next >= 0)
            symbols[right.next].prev = top.pos;
        if (left.prev >= 0)
            consider(left.prev);
        consider(top.pos);
    }
    for (const Symbol& s : symbols)
        if (s.alive)
            out.push_back(s.id);
}

} // namespace autoglm::tok
