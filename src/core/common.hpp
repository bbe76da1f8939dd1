// Shared vocabulary of the pure C++ core: errors, interrupt checks, the no-postgres.h rule.
#pragma once

// The core is plain C++17 and Boost.Math. It must never see postgres.h: PostgreSQL's macros
// (elog, palloc, Min/Max, ...) would leak into C++ code and its longjmp-based errors must not
// cross C++ frames. Glue files include core headers first, then postgres.h.
#ifdef POSTGRES_H
#error "src/core must not include or follow postgres.h: include core headers before postgres.h"
#endif

#include <cstdint>
#include <stdexcept>
#include <string>

namespace uv {

// What went wrong, in terms the SQL layer maps to a SQLSTATE (see src/pg/guard.hpp).
enum class ErrorKind {
    InvalidParameter,       // 22023: a parameter (confidence, width, ...) outside its valid range
    OutOfRange,             // 22003: a count is negative or a sum overflows
    InvalidText,            // 22P02: malformed text representation of one of our types
    InvalidBinary,          // 22P03: malformed binary representation (recv, stored bytes)
    LimitExceeded,          // 54000: input larger than the documented limit
    Canceled,               // the glue saw a pending query cancel; PostgreSQL reports it
    Internal,               // XX000: a bug; never expected
};

// The one exception type the core throws. The message names the argument and the valid range.
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

// Long loops call this every few thousand iterations. The glue installs a hook that throws
// Error(Canceled) when PostgreSQL has a cancel or termination pending, so a query over years of
// data stays cancellable without the core ever calling into PostgreSQL.
using InterruptHook = void (*)();
void set_interrupt_hook(InterruptHook hook) noexcept;
void check_interrupts();

// Calls check_interrupts() every 4096 ticks: for loops whose length comes from input, where a
// check per iteration would cost more than the counter.
class InterruptTicker {
public:
    void tick()
    {
        if ((++n_ & 4095u) == 0)
            check_interrupts();
    }

private:
    uint32_t n_ = 0;
};

}  // namespace uv
