// The one door between C++ and PostgreSQL. Every SQL-callable function is defined with
// UV_FUNCTION, which runs its body inside try/catch and raises the PostgreSQL error only after
// the catch block has ended, so no C++ exception reaches PostgreSQL and no longjmp leaves a
// C++ handler.
//
// Rule for bodies: call PostgreSQL functions that may ereport (palloc, detoasting, pq_*) only
// while no C++ object with a destructor is alive in the body; do the C++ work (std::string,
// std::vector, Boost) inside core calls or in a scope that has ended before the next such call.
// Core code never calls PostgreSQL: it throws uv::Error, and stays cancellable through the
// interrupt hook installed in module.cpp.
#pragma once

// Core headers come before postgres.h; src/core/common.hpp enforces it.
#include "core/common.hpp"

// PostgreSQL before 16 leaves PGDLLEXPORT empty; we build with hidden visibility, so the
// entry points PostgreSQL looks up by name are exported explicitly.
#ifndef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#endif

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif
}

namespace uv::pg {

// What a failed body leaves behind: plain data, so it survives the end of the catch block.
// message is written only on failure (capture_exception): zeroing 1 KB on every call cost a
// measurable share of a transition function.
struct Failure {
    bool failed = false;
    bool canceled = false;
    int sqlstate = 0;
    char message[1024];
};

// Called inside a catch (...) block: records the current exception into failure.
void capture_exception(Failure& failure) noexcept;

// palloc in the current context that reports failure as std::bad_alloc (or a limit error)
// instead of a longjmp, for use while C++ objects are alive.
void* palloc_or_throw(size_t size);

// Holds a C++ object in a PostgreSQL memory context: the object is deleted when the context is
// reset or deleted (end of query, error, window partition restart), so its malloc'd memory never
// outlives the aggregate state that points to it.
template <typename T>
struct ContextOwned {
    T* object;
    MemoryContextCallback callback;
};

template <typename T>
T* make_context_owned(MemoryContext context)
{
    // palloc first, while no C++ object exists; then construct; then register the deleter.
    auto* holder = static_cast<ContextOwned<T>*>(MemoryContextAllocZero(context, sizeof(ContextOwned<T>)));
    holder->object = new T();
    holder->callback.func = [](void* arg) { delete static_cast<ContextOwned<T>*>(arg)->object; };
    holder->callback.arg = holder;
    MemoryContextRegisterResetCallback(context, &holder->callback);
    return holder->object;
}

// Raises failure as a PostgreSQL error. For input functions called by pg_input_is_valid and
// friends (PostgreSQL 16+), the error is saved softly instead and the caller returns NULL.
void raise_failure(const Failure& failure, FunctionCallInfo fcinfo);

}  // namespace uv::pg

#define UV_FUNCTION(name)                                                                          \
    static Datum name##_body(FunctionCallInfo fcinfo);                                             \
    extern "C" {                                                                                   \
    PG_FUNCTION_INFO_V1(name);                                                                     \
    PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                                      \
    }                                                                                              \
    extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS)                                            \
    {                                                                                              \
        uv::pg::Failure failure;                                                                   \
        Datum result = (Datum)0;                                                                   \
        try {                                                                                      \
            result = name##_body(fcinfo);                                                          \
        } catch (...) {                                                                            \
            uv::pg::capture_exception(failure);                                                    \
        }                                                                                          \
        if (failure.failed) {                                                                      \
            uv::pg::raise_failure(failure, fcinfo);                                                \
            PG_RETURN_NULL();                                                                      \
        }                                                                                          \
        return result;                                                                             \
    }                                                                                              \
    static Datum name##_body(FunctionCallInfo fcinfo)
