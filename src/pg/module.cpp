// Module entry: the magic block, the interrupt hook for the core, and the error mapping used by
// every UV_FUNCTION.
#include "pg/glue.hpp"

#include <cstdio>
#include <exception>
#include <new>
#include <string>

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

namespace {

// Core loops call uv::check_interrupts(); a pending cancel or termination becomes a C++
// exception that unwinds the core cleanly, and the guard then lets PostgreSQL act on it.
void throw_if_canceled()
{
    if (InterruptPending && (QueryCancelPending || ProcDiePending))
        throw uv::Error(uv::ErrorKind::Canceled, "canceling statement due to user request");
}

int sqlstate_of(uv::ErrorKind kind)
{
    switch (kind) {
        case uv::ErrorKind::InvalidParameter: return ERRCODE_INVALID_PARAMETER_VALUE;
        case uv::ErrorKind::OutOfRange: return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
        case uv::ErrorKind::InvalidText: return ERRCODE_INVALID_TEXT_REPRESENTATION;
        case uv::ErrorKind::InvalidBinary: return ERRCODE_INVALID_BINARY_REPRESENTATION;
        case uv::ErrorKind::LimitExceeded: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
        case uv::ErrorKind::Canceled: return ERRCODE_QUERY_CANCELED;
        case uv::ErrorKind::Internal: break;
    }
    return ERRCODE_INTERNAL_ERROR;
}

}  // namespace

void _PG_init(void) { uv::set_interrupt_hook(&throw_if_canceled); }

namespace uv::pg {

void capture_exception(Failure& failure) noexcept
{
    failure.failed = true;
    try {
        throw;
    } catch (const uv::Error& e) {
        failure.canceled = e.kind() == uv::ErrorKind::Canceled;
        failure.sqlstate = sqlstate_of(e.kind());
        snprintf(failure.message, sizeof failure.message, "%s", e.what());
    } catch (const std::bad_alloc&) {
        failure.sqlstate = ERRCODE_OUT_OF_MEMORY;
        snprintf(failure.message, sizeof failure.message, "out of memory");
    } catch (const std::exception& e) {
        failure.sqlstate = ERRCODE_INTERNAL_ERROR;
        snprintf(failure.message, sizeof failure.message, "usage_value internal error: %s", e.what());
    } catch (...) {
        failure.sqlstate = ERRCODE_INTERNAL_ERROR;
        snprintf(failure.message, sizeof failure.message, "usage_value internal error: unknown exception");
    }
}

void* palloc_or_throw(size_t size)
{
    if (!AllocSizeIsValid(size))
        throw uv::Error(uv::ErrorKind::LimitExceeded, "result of " + std::to_string(size) + " bytes exceeds 1 GB");
    void* p = palloc_extended(size, MCXT_ALLOC_NO_OOM);
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}

void raise_failure(const Failure& failure, FunctionCallInfo fcinfo)
{
    if (failure.canceled)
        CHECK_FOR_INTERRUPTS();  // normally raises the cancel itself
#if PG_VERSION_NUM >= 160000
    if (fcinfo->context != nullptr && IsA(fcinfo->context, ErrorSaveContext)) {
        errsave(fcinfo->context, (errcode(failure.sqlstate), errmsg("%s", failure.message)));
        fcinfo->isnull = true;
        return;
    }
#endif
    ereport(ERROR, (errcode(failure.sqlstate), errmsg("%s", failure.message)));
}

}  // namespace uv::pg
