// libFuzzer harness for the three decoders of usage_summary: text (input/output functions),
// wire (send/recv, COPY BINARY) and stored (the on-disk bytes after the varlena header).
// Every input goes to all three, so corpus files are plain values of any one form; versions 1
// (unweighted) and 2 (weighted) of each.
// Contract: a decoder either returns a valid summary or throws uv::Error; whatever decodes
// re-encodes to an equal value in every form, and the binary forms are canonical (the bytes
// that decoded are exactly the bytes the encoder writes).
#include "summary.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace {

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "summary_fuzz: %s\n", what);
    std::abort();
}

void check_valid(const uv::UsageSummary& s)
{
    if (s.rows < 0 || s.tokens < 0 || s.merged_changes < 0)
        fail("decoded a summary with a negative count");
    if (s.rows == 0 && (s.tokens != 0 || s.merged_changes != 0 || s.value != 0 || s.value_squares != 0))
        fail("decoded a summary of zero rows that holds something");
    if (!std::isfinite(s.value) || !std::isfinite(s.value_squares) || std::signbit(s.value) ||
        std::signbit(s.value_squares))
        fail("decoded a summary with a non-finite or negative weight");
    if ((s.value == 0) != (s.value_squares == 0))
        fail("decoded a summary with value 0 but not value_squares, or the reverse");
    if (s.cost_micro_usd < 0 || s.costed_tokens < 0 || s.costed_tokens > s.tokens)
        fail("decoded a summary with a negative cost or more costed tokens than tokens");
    if (s.rows == 0 && s.costed())
        fail("decoded a summary of zero rows with a cost");
}

// Every encoding of a decoded value must decode back to it.
void check_round_trips(const uv::UsageSummary& s)
{
    const std::string text = uv::to_text(s);
    if (!(uv::from_text(text.c_str()) == s))
        fail("to_text / from_text round trip changed the value");
    const auto wire = uv::to_wire(s);
    if (!(uv::from_wire(wire.data(), wire.size()) == s))
        fail("to_wire / from_wire round trip changed the value");
    uint8_t stored[uv::kStoredSummaryMaxSize];
    const std::size_t stored_size = uv::to_stored(s, stored);
    if (stored_size != (s.costed()     ? uv::kStoredCostedSummarySize
                        : s.weighted() ? uv::kStoredWeightedSummarySize
                                       : uv::kStoredSummarySize))
        fail("to_stored chose the wrong version");
    if (!(uv::from_stored(stored, stored_size) == s))
        fail("to_stored / from_stored round trip changed the value");
}

template <class Decode>
void one(Decode decode)
{
    uv::UsageSummary s;
    try {
        s = decode();
    } catch (const uv::Error&) {
        return;  // rejected with the core's own error: the expected outcome for bad input
    }
    check_valid(s);
    check_round_trips(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        // Text arrives as a NUL-terminated C string (PostgreSQL's cstring): anything after an
        // embedded NUL is invisible to the decoder, exactly as in the server.
        const std::string text(reinterpret_cast<const char*>(data), size);
        one([&] { return uv::from_text(text.c_str()); });

        // Binary forms get an exact-size heap copy so AddressSanitizer sees any read past the end.
        uint8_t* copy = static_cast<uint8_t*>(std::malloc(size == 0 ? 1 : size));
        if (size > 0)
            std::memcpy(copy, data, size);
        one([&] {
            uv::UsageSummary s = uv::from_wire(copy, size);
            const auto again = uv::to_wire(s);
            if (again.size() != size || std::memcmp(again.data(), copy, size) != 0)
                fail("from_wire accepted bytes that to_wire does not write back");
            return s;
        });
        one([&] {
            uv::UsageSummary s = uv::from_stored(copy, size);
            uint8_t again[uv::kStoredSummaryMaxSize];
            const std::size_t again_size = uv::to_stored(s, again);
            if (size != again_size || std::memcmp(again, copy, size) != 0)
                fail("from_stored accepted bytes that to_stored does not write back");
            return s;
        });
        std::free(copy);
    } catch (const uv::Error& e) {
        // Only the decoders may throw; an error from an encoder or a round trip is a bug.
        std::fprintf(stderr, "summary_fuzz: uv::Error outside a decoder: %s\n", e.what());
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "summary_fuzz: exception other than uv::Error: %s\n", e.what());
        std::abort();
    }
    return 0;
}
