// An order-statistics multiset of int64 keys: insert, erase one copy, k-th smallest and rank,
// each O(log n) expected. It backs the sliding-window median/MAD of burst_score, where the
// frame changes by one row at a time and a sorted copy per row would cost O(n).
#pragma once

#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace uv {

// A treap (randomised binary search tree) with one node per distinct key, a multiplicity per
// node and subtree totals for rank queries. Priorities come from a fixed-seed generator, so the
// shape (and thus the run time) does not depend on anything the caller controls beyond the keys,
// and runs are reproducible. Nodes live in a vector with a free list: no per-node allocation.
class OrderStatMultiset {
public:
    // Number of elements counting multiplicity.
    uint64_t size() const noexcept { return root_ == kNil ? 0 : nodes_[root_].total; }
    size_t distinct() const noexcept { return nodes_.size() - free_.size(); }
    bool empty() const noexcept { return root_ == kNil; }

    void insert(int64_t key)
    {
        // Existing key: bump multiplicity and every subtree total on the path.
        if (count(key) > 0) {
            for (uint32_t t = root_; t != kNil;) {
                Node& n = nodes_[t];
                ++n.total;
                if (key == n.key) {
                    ++n.count;
                    return;
                }
                t = key < n.key ? n.left : n.right;
            }
            return;
        }
        uint32_t id = allocate(key);
        uint32_t lo, hi;
        split_less(root_, key, lo, hi);
        root_ = join(join(lo, id), hi);
    }

    // Removes one copy of key; returns false (and changes nothing) when key is absent.
    bool erase(int64_t key)
    {
        uint64_t c = count(key);
        if (c == 0)
            return false;
        if (c > 1) {
            for (uint32_t t = root_; t != kNil;) {
                Node& n = nodes_[t];
                --n.total;
                if (key == n.key) {
                    --n.count;
                    return true;
                }
                t = key < n.key ? n.left : n.right;
            }
            return true;
        }
        uint32_t lo, mid, hi;
        split_less(root_, key, lo, mid);      // lo < key <= mid
        split_less_equal(mid, key, mid, hi);  // mid == key < hi
        release(mid);
        root_ = join(lo, hi);
        return true;
    }

    uint64_t count(int64_t key) const noexcept
    {
        for (uint32_t t = root_; t != kNil;) {
            const Node& n = nodes_[t];
            if (key == n.key)
                return n.count;
            t = key < n.key ? n.left : n.right;
        }
        return 0;
    }

    // Number of elements strictly less than key.
    uint64_t count_less(int64_t key) const noexcept
    {
        uint64_t r = 0;
        for (uint32_t t = root_; t != kNil;) {
            const Node& n = nodes_[t];
            if (key <= n.key) {
                t = n.left;
            } else {
                r += total(n.left) + n.count;
                t = n.right;
            }
        }
        return r;
    }

    // The k-th smallest element (0-based, counting multiplicity). Requires k < size().
    int64_t kth(uint64_t k) const
    {
        for (uint32_t t = root_; t != kNil;) {
            const Node& n = nodes_[t];
            uint64_t l = total(n.left);
            if (k < l) {
                t = n.left;
            } else if (k < l + n.count) {
                return n.key;
            } else {
                k -= l + n.count;
                t = n.right;
            }
        }
        throw Error(ErrorKind::Internal, "order statistic rank out of range");
    }

    // Visits (key, multiplicity) in ascending key order.
    template <class F>
    void for_each(F&& f) const
    {
        std::vector<uint32_t> stack;
        uint32_t t = root_;
        while (t != kNil || !stack.empty()) {
            while (t != kNil) {
                stack.push_back(t);
                t = nodes_[t].left;
            }
            t = stack.back();
            stack.pop_back();
            f(nodes_[t].key, nodes_[t].count);
            t = nodes_[t].right;
        }
    }

private:
    static constexpr uint32_t kNil = UINT32_MAX;

    struct Node {
        int64_t key;
        uint64_t count;  // multiplicity of key
        uint64_t total;  // sum of multiplicities in the subtree
        uint64_t priority;
        uint32_t left, right;
    };

    uint64_t total(uint32_t t) const noexcept { return t == kNil ? 0 : nodes_[t].total; }
    void update(uint32_t t) noexcept
    {
        Node& n = nodes_[t];
        n.total = n.count + total(n.left) + total(n.right);
    }

    uint64_t next_priority() noexcept
    {
        // splitmix64: cheap, well mixed, reproducible.
        uint64_t z = (rng_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    uint32_t allocate(int64_t key)
    {
        Node n{key, 1, 1, next_priority(), kNil, kNil};
        if (!free_.empty()) {
            uint32_t id = free_.back();
            free_.pop_back();
            nodes_[id] = n;
            return id;
        }
        if (nodes_.size() >= kNil)
            throw Error(ErrorKind::LimitExceeded, "order statistic structure is full");
        // Reserve the free list first so release() never allocates: erase then cannot fail
        // half-way through restructuring the tree.
        free_.reserve(nodes_.size() + 1);
        nodes_.push_back(n);
        return static_cast<uint32_t>(nodes_.size() - 1);
    }
    void release(uint32_t id) noexcept { free_.push_back(id); }  // capacity reserved in allocate()

    // Splits t into keys < key and keys >= key. Recursion depth is the treap height, O(log n).
    void split_less(uint32_t t, int64_t key, uint32_t& lo, uint32_t& hi)
    {
        if (t == kNil) {
            lo = hi = kNil;
            return;
        }
        if (nodes_[t].key < key) {
            split_less(nodes_[t].right, key, nodes_[t].right, hi);
            lo = t;
        } else {
            split_less(nodes_[t].left, key, lo, nodes_[t].left);
            hi = t;
        }
        update(t);
    }
    // Splits t into keys <= key and keys > key.
    void split_less_equal(uint32_t t, int64_t key, uint32_t& lo, uint32_t& hi)
    {
        if (t == kNil) {
            lo = hi = kNil;
            return;
        }
        if (nodes_[t].key <= key) {
            split_less_equal(nodes_[t].right, key, nodes_[t].right, hi);
            lo = t;
        } else {
            split_less_equal(nodes_[t].left, key, lo, nodes_[t].left);
            hi = t;
        }
        update(t);
    }
    // Joins two treaps where every key of a is below every key of b.
    uint32_t join(uint32_t a, uint32_t b)
    {
        if (a == kNil)
            return b;
        if (b == kNil)
            return a;
        if (nodes_[a].priority > nodes_[b].priority) {
            nodes_[a].right = join(nodes_[a].right, b);
            update(a);
            return a;
        }
        nodes_[b].left = join(a, nodes_[b].left);
        update(b);
        return b;
    }

    std::vector<Node> nodes_;
    std::vector<uint32_t> free_;
    uint32_t root_ = kNil;
    uint64_t rng_ = 0x5EED5EED5EED5EEDULL;
};

}  // namespace uv
